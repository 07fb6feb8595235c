// oidc-provider ships no type declarations; this declares the little the test provider uses,
// loosely (the library validates its own configuration at construction).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface OidcToken {
    jti: string;
    accountId: string;
    clientId: string;
    grantId: string;
    scope?: string;
    extra?: Record<string, unknown>;
    isExpired: boolean;
    save(): Promise<string>;
  }

  export interface OidcGrant {
    addOIDCScope(scope: string): void;
    rejectOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: any, next: () => Promise<void>) => Promise<void>): void;
    on(event: string, listener: (...args: any[]) => void): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ uid: string; params: Record<string, unknown>; grantId?: string; prompt: { name: string } }>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    AccessToken: { new (properties: Record<string, unknown>): OidcToken; find(value: string): Promise<OidcToken | undefined> };
    Grant: { new (properties: Record<string, unknown>): OidcGrant; find(id: string): Promise<OidcGrant | undefined> };
    Client: { validate(metadata: Record<string, unknown>): Promise<unknown>; find(id: string): Promise<unknown> };
  }

  export const errors: Record<string, new (description?: string) => Error>;
}
