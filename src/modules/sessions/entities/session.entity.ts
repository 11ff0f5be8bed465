import { Column, Entity, Index } from 'typeorm';
import { IdColumn, JsonTextColumn, TimestampColumn, UuidColumn } from '../../../database/columns';
import type { PersistedSnapshot } from '../../../protocols/runtime';
import type { Phase } from '../../../protocols/types';

/**
 * One visit, run by its phase machine. It keeps the protocol version and the study
 * configuration version it started with, whatever is released or configured later.
 */
@Entity('sessions')
@Index('ix_sessions_participant', ['participantId'])
@Index('ix_sessions_site', ['siteId'])
export class Session {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'participant_id' })
  participantId: string;

  @UuidColumn({ name: 'study_id' })
  studyId: string;

  @UuidColumn({ name: 'site_id' })
  siteId: string;

  @Column({ type: 'varchar', length: 16 })
  phase: Phase;

  /** 1-based number of this session within its phase for the participant. */
  @Column({ type: 'integer', name: 'session_number' })
  sessionNumber: number;

  @Column({ type: 'varchar', length: 64, name: 'protocol_id' })
  protocolId: string;

  @Column({ type: 'varchar', length: 32, name: 'protocol_version' })
  protocolVersion: string;

  @Column({ type: 'varchar', length: 120, name: 'machine_id' })
  machineId: string;

  @Column({ type: 'integer', name: 'configuration_version' })
  configurationVersion: number;

  @JsonTextColumn()
  snapshot: PersistedSnapshot;

  @Column({ type: 'varchar', length: 64 })
  state: string;

  @UuidColumn({ name: 'responsible_investigator_id' })
  responsibleInvestigatorId: string;

  @TimestampColumn({ name: 'scheduled_at', nullable: true })
  scheduledAt: Date | null;

  @TimestampColumn({ name: 'started_at', nullable: true })
  startedAt: Date | null;

  @TimestampColumn({ name: 'ended_at', nullable: true })
  endedAt: Date | null;

  @TimestampColumn({ name: 'dose_at', nullable: true })
  doseAt: Date | null;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
