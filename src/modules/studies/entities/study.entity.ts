import { Column, Entity, Index } from 'typeorm';
import { CreatedAtColumn, IdColumn, UpdatedAtColumn } from '../../../database/columns';

@Entity('studies')
export class Study {
  @IdColumn()
  id: string;

  @Index('uq_studies_code', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  code: string;

  @Column({ type: 'varchar', length: 300 })
  title: string;

  @Column({ type: 'varchar', length: 64, name: 'protocol_id' })
  protocolId: string;

  @Column({ type: 'varchar', length: 32, name: 'protocol_version' })
  protocolVersion: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  sponsor: string | null;

  /** Bumped by every accepted configuration change; a session copies the one in force. */
  @Column({ type: 'integer', name: 'configuration_version', default: 1 })
  configurationVersion: number;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @CreatedAtColumn()
  createdAt: Date;

  @UpdatedAtColumn()
  updatedAt: Date;
}
