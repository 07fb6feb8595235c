/**
 * oidc-provider's storage for one test provider: a Map per provider instance (the library's own
 * memory adapter shares one module-wide LRU of 1,000 entries between instances, and hides the
 * rows that revokeGrants()/expireRefreshTokens() need to reach). Follows the adapter contract in
 * oidc-provider's example adapter: upsert/find/findByUid/findByUserCode/consume/destroy/revokeByGrantId.
 */

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string; consumed?: number; exp?: number };

interface Row {
  payload: Payload;
  expiresAt: number; // epoch ms; Infinity for no expiry
}

export class MemoryStore {
  readonly rows = new Map<string, Row>();
  private readonly grants = new Map<string, Set<string>>();

  adapterFor(model: string): MemoryAdapter {
    return new MemoryAdapter(this, model);
  }

  get(key: string): Payload | undefined {
    const row = this.rows.get(key);
    if (!row) return undefined;
    if (row.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return row.payload;
  }

  set(key: string, payload: Payload, expiresInSeconds?: number): void {
    const expiresAt = typeof expiresInSeconds === 'number' ? Date.now() + expiresInSeconds * 1000 : Infinity;
    this.rows.set(key, { payload, expiresAt });
    if (payload.grantId) {
      const members = this.grants.get(payload.grantId) ?? new Set();
      members.add(key);
      this.grants.set(payload.grantId, members);
    }
  }

  delete(key: string): void {
    this.rows.delete(key);
  }

  revokeGrant(grantId: string): void {
    for (const key of this.grants.get(grantId) ?? []) this.rows.delete(key);
    this.grants.delete(grantId);
    this.rows.delete(`Grant:${grantId}`);
  }

  /** Payloads of one model, e.g. every stored Grant. */
  *payloads(model: string): Generator<Payload> {
    for (const [key, row] of this.rows) if (key.startsWith(`${model}:`)) yield row.payload;
  }
}

export class MemoryAdapter {
  private readonly store: MemoryStore;
  private readonly model: string;

  constructor(store: MemoryStore, model: string) {
    this.store = store;
    this.model = model;
  }

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    this.store.set(this.key(id), payload, expiresIn);
    if (payload.uid) this.store.set(`uid:${payload.uid}`, { id }, expiresIn);
    if (payload.userCode) this.store.set(`userCode:${payload.userCode}`, { id }, expiresIn);
  }

  async find(id: string): Promise<Payload | undefined> {
    return this.store.get(this.key(id));
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    const pointer = this.store.get(`uid:${uid}`);
    return typeof pointer?.id === 'string' ? this.find(pointer.id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    const pointer = this.store.get(`userCode:${userCode}`);
    return typeof pointer?.id === 'string' ? this.find(pointer.id) : undefined;
  }

  async consume(id: string): Promise<void> {
    const payload = this.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.store.revokeGrant(grantId);
  }
}
