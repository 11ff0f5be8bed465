import { Column, Entity, Index, OneToMany } from 'typeorm';
import { CreatedAtColumn, IdColumn, JsonTextColumn, TimestampColumn, UpdatedAtColumn } from '../../../database/columns';
import { Role } from '../roles';
import { UserSite } from './user-site.entity';

@Entity('users')
export class User {
  @IdColumn()
  id: string;

  /** Unique, stored lower-case so "Alice" and "alice" are one account. */
  @Index('uq_users_username', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  username: string;

  @Column({ type: 'varchar', length: 200, name: 'full_name' })
  fullName: string;

  @Column({ type: 'varchar', length: 255, name: 'password_hash' })
  passwordHash: string;

  @JsonTextColumn()
  roles: Role[];

  /** Set whenever an admin sets the password: the user must choose a new one and cannot sign until then. */
  @Column({ type: 'boolean', name: 'must_change_password', default: true })
  mustChangePassword: boolean;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  @Column({ type: 'integer', name: 'failed_login_count', default: 0 })
  failedLoginCount: number;

  @TimestampColumn({ name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  @TimestampColumn({ name: 'password_changed_at' })
  passwordChangedAt: Date;

  @OneToMany(() => UserSite, (link) => link.user)
  siteLinks: UserSite[];

  @Column({ type: 'integer', default: 1 })
  version: number;

  @CreatedAtColumn()
  createdAt: Date;

  @UpdatedAtColumn()
  updatedAt: Date;
}
