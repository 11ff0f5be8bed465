import { Column, Entity, Index } from 'typeorm';
import { CreatedAtColumn, IdColumn, UpdatedAtColumn } from '../../../database/columns';

@Entity('sites')
export class Site {
  @IdColumn()
  id: string;

  @Index('uq_sites_code', { unique: true })
  @Column({ type: 'varchar', length: 32 })
  code: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** IANA zone; reports and exports show site-local time with its offset. */
  @Column({ type: 'varchar', length: 64 })
  timezone: string;

  /** ISO 3166-1 alpha-2 (SDTM DM.COUNTRY uses alpha-3, derived at export). */
  @Column({ type: 'varchar', length: 2 })
  country: string;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @CreatedAtColumn()
  createdAt: Date;

  @UpdatedAtColumn()
  updatedAt: Date;
}
