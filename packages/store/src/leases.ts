import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** Named leases with a holder and an expiry: who runs the reconcile loop. */
export class LeaseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Takes or renews a lease for `ttlS`: true when `holder` has it now. One statement (an
   * upsert that only overwrites an expired lease or the holder's own), so two processes racing
   * for it cannot both win.
   */
  async tryLease(name: string, holder: string, ttlS: number, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: now + ttlS })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: now + ttlS })
          .where((eb) =>
            eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<', now)]),
          ),
      )
      .returning('holder')
      .executeTakeFirst()
    return row?.holder === holder
  }

  /** Gives a lease up (a clean shutdown hands the loop over at once). */
  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db
      .deleteFrom('leases')
      .where('name', '=', name)
      .where('holder', '=', holder)
      .execute()
  }
}
