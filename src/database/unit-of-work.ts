import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { WriteLock } from './write-lock';

/**
 * The only way Vigil writes. One transaction per call; on SQLite the calls are serialised by
 * one write lock, on PostgreSQL they run concurrently and serialise where they must with row
 * locks (the audit chain head). The change and its audit entry go through the same manager,
 * so they commit or roll back together.
 */
@Injectable()
export class UnitOfWork {
  private readonly lock = new WriteLock();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get isPostgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.isPostgres) return this.dataSource.transaction(work);
    return this.lock.run(() => this.dataSource.transaction(work));
  }

  /** Reads need no lock; they see committed data (PostgreSQL) or the single connection (SQLite). */
  get reader(): EntityManager {
    return this.dataSource.manager;
  }
}
