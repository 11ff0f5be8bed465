import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { IdColumn, JsonTextColumn, TimestampColumn, UuidColumn } from '../../../database/columns';
import { Checklist } from './checklist.entity';

@Entity('checklist_items')
@Index('uq_checklist_items_key', ['checklistId', 'key'], { unique: true })
export class ChecklistItem {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'checklist_id' })
  checklistId: string;

  @ManyToOne(() => Checklist, (c) => c.items, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'checklist_id' })
  checklist: Checklist;

  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'varchar', length: 300 })
  label: string;

  @Column({ type: 'boolean' })
  required: boolean;

  @Column({ type: 'varchar', length: 32, name: 'applies_to' })
  appliesTo: 'all' | 'childbearing-potential';

  @Column({ type: 'varchar', length: 32, name: 'value_kind' })
  valueKind: 'none' | 'pregnancy-test' | 'blood-pressure' | 'text';

  @Column({ type: 'varchar', length: 16 })
  status: 'open' | 'done' | 'not_applicable' | 'failed';

  @JsonTextColumn({ nullable: true })
  value: unknown;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @Column({ type: 'varchar', length: 36, name: 'recorded_by', nullable: true })
  recordedBy: string | null;

  @TimestampColumn({ name: 'recorded_at', nullable: true })
  recordedAt: Date | null;
}
