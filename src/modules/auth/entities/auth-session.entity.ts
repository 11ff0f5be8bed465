import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '../../../database/columns';

/**
 * A server-side login session. The JWT only names it; every request checks it, so logout,
 * idle expiry and disabling a user end access at once.
 */
@Entity('auth_sessions')
@Index('ix_auth_sessions_user', ['userId'])
export class AuthSession {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'user_id' })
  userId: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'last_seen_at' })
  lastSeenAt: Date;

  /** Absolute end, however active the session is. */
  @TimestampColumn({ name: 'expires_at' })
  expiresAt: Date;

  @TimestampColumn({ name: 'ended_at', nullable: true })
  endedAt: Date | null;

  @Column({ type: 'varchar', length: 32, name: 'end_reason', nullable: true })
  endReason: 'logout' | 'idle' | 'expired' | 'disabled' | 'password-changed' | 'password-reset' | null;

  /**
   * 21 CFR 11.200(a)(1): the first signing in a continuous session needs user id and password;
   * later ones in the same session may use the password alone.
   */
  @Column({ type: 'boolean', name: 'signed_with_full_credentials', default: false })
  signedWithFullCredentials: boolean;
}
