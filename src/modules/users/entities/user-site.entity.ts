import { Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { isPostgres } from '../../../database/columns';
import { Site } from '../../sites/entities/site.entity';
import { User } from './user.entity';

const uuidKey = () => (isPostgres() ? { type: 'uuid' as const } : { type: 'varchar' as const, length: 36 });

/** Which sites a user may see and act in (admins see all sites whatever this says). */
@Entity('user_sites')
export class UserSite {
  @PrimaryColumn({ name: 'user_id', ...uuidKey() })
  userId: string;

  @PrimaryColumn({ name: 'site_id', ...uuidKey() })
  siteId: string;

  @ManyToOne(() => User, (user) => user.siteLinks, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user: User;

  @ManyToOne(() => Site, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id' })
  site: Site;
}
