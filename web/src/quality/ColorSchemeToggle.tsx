import { Button, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';

/**
 * Light / dark. Mantine's default colour-scheme manager keeps the choice in localStorage
 * ('mantine-color-scheme-value'); no inline script sets it before the first paint (the CSP forbids
 * inline scripts), so a dark choice applies as the app starts.
 */
export function ColorSchemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');
  return (
    <Button variant="subtle" size="compact-sm" aria-pressed={scheme === 'dark'} onClick={() => setColorScheme(scheme === 'dark' ? 'light' : 'dark')}>
      Dark mode
    </Button>
  );
}
