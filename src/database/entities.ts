import { AdverseEvent } from '../modules/adverse-events/entities/adverse-event.entity';
import { Assessment } from '../modules/assessments/entities/assessment.entity';
import { ChecklistItem } from '../modules/checklists/entities/checklist-item.entity';
import { Checklist } from '../modules/checklists/entities/checklist.entity';
import { Dose } from '../modules/doses/entities/dose.entity';
import { Medication } from '../modules/medications/entities/medication.entity';
import { StaffPresence } from '../modules/staff/entities/staff-presence.entity';
import { Observation } from '../modules/vitals/entities/observation.entity';
import { AuditChainHead } from '../modules/audit/entities/audit-chain-head.entity';
import { AuditEntry } from '../modules/audit/entities/audit-entry.entity';
import { AuthSession } from '../modules/auth/entities/auth-session.entity';
import { Signature } from '../modules/signatures/entities/signature.entity';
import { Participant } from '../modules/participants/entities/participant.entity';
import { ScheduledTask } from '../modules/scheduler/entities/scheduled-task.entity';
import { Deviation } from '../modules/sessions/entities/deviation.entity';
import { GateOverride } from '../modules/sessions/entities/override.entity';
import { Session } from '../modules/sessions/entities/session.entity';
import { StudyConfiguration } from '../modules/studies/entities/study-configuration.entity';
import { Site } from '../modules/sites/entities/site.entity';
import { Study } from '../modules/studies/entities/study.entity';
import { UserSite } from '../modules/users/entities/user-site.entity';
import { User } from '../modules/users/entities/user.entity';

/** Every entity, listed rather than globbed, so the app, the CLI and Jest load the same classes. */
export const ENTITIES = [User, UserSite, Site, Study, AuthSession, AuditEntry, AuditChainHead, Signature,
  StudyConfiguration, Participant, Session, GateOverride, Deviation, ScheduledTask,
  Checklist, ChecklistItem, StaffPresence, Dose, Medication, Assessment, AdverseEvent, Observation];
