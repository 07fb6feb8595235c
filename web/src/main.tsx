import '@mantine/core/styles.css';
import './app.css';
import { createTheme, MantineProvider, type CSSVariablesResolver } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { preloadHealthPage } from './health/routes.tsx';

// System fonts only: Hearth works offline and loads nothing from another origin. Darker shades than
// Mantine's defaults: text and controls keep WCAG 2.2 AA contrast (4.5:1), checked by axe in the tests.
const theme = createTheme({ primaryColor: 'teal', primaryShade: { light: 9, dark: 9 }, defaultRadius: 'md' });
const contrast: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-anchor': 'var(--mantine-color-teal-9)', '--mantine-primary-color-light-color': 'var(--mantine-color-teal-9)', '--mantine-color-teal-light-color': 'var(--mantine-color-teal-9)', '--hearth-brand': 'var(--mantine-color-teal-9)' },
  // Dark mode (quality/ColorSchemeToggle.tsx): lighter dimmed text and brand for the same AA contrast on dark backgrounds.
  dark: { '--mantine-color-dimmed': 'var(--mantine-color-dark-1)', '--hearth-brand': 'var(--mantine-color-teal-4)', '--mantine-color-anchor': 'var(--mantine-color-teal-4)' },
});

// A health page opened directly (a bookmark, a reload): its code and data load alongside the session check.
preloadHealthPage(window.location.pathname);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light" cssVariablesResolver={contrast}>
      <App />
    </MantineProvider>
  </StrictMode>,
);
