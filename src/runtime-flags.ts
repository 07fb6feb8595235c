/**
 * Node flags Hearth runs with (package.json scripts and bin/hearth.js's shebang carry the same).
 * A capped old generation makes V8 collect steadily instead of letting a long import's garbage pile
 * up: importing 1 GB of NDJSON stays near 250 MB resident instead of climbing past 450 MB. The cap
 * leaves room for the largest single document readers accept (see import/readers/limits.ts).
 */
export const HEARTH_NODE_FLAGS: readonly string[] = ['--max-old-space-size=320'];
