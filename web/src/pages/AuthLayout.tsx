import { Container, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** The narrow centred card of the setup, sign-in and invite pages. */
export function AuthLayout({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <Container size={440} py={48} px="md" component="main">
      <Stack gap="xs" mb="lg" align="center">
        <Text fw={700} size="xl" c="var(--hearth-brand)">
          Hearth
        </Text>
        <Title order={1} size="h2" ta="center">
          {title}
        </Title>
        {intro && (
          <Text c="dimmed" size="sm" ta="center">
            {intro}
          </Text>
        )}
      </Stack>
      <Paper withBorder shadow="sm" p="lg">
        {children}
      </Paper>
    </Container>
  );
}

/** The password policy, said where a password is chosen (accounts/password-policy: ASVS 5.0 §6.2). */
export const PASSWORD_POLICY = '8 to 128 characters, no other rules. Long passphrases are welcome; very common passwords are refused.';
