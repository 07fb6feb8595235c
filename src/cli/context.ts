import type { Command } from 'commander';
import { resolveDataDir } from '../instance/data-dir.ts';
import { openInstance, type Instance } from '../instance/instance.ts';
import { createOutput, type Output } from './output.ts';

export interface GlobalOptions {
  dataDir?: string;
  json?: boolean;
}

export interface CommandContext {
  dataDir: string;
  output: Output;
}

export function commandContext(command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  return { dataDir: resolveDataDir(options.dataDir), output: createOutput(options.json === true) };
}

/** Opens the instance for the length of `work`, closing it whatever happens. */
export async function withInstance<T>(context: CommandContext, work: (instance: Instance) => Promise<T> | T): Promise<T> {
  const instance = await openInstance(context.dataDir);
  try {
    return await work(instance);
  } finally {
    instance.close();
  }
}
