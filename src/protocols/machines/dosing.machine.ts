import { assign, setup } from 'xstate';
import {
  abortGate,
  administeredAt,
  beginRecoveryGate,
  declineSupplementalGate,
  deviceDoseGate,
  DosingContext,
  dischargeGate,
  endOvernightGate,
  Gate,
  initialDoseGate,
  noGate,
  outstanding,
  plannedDevices,
  raiseHoldGate,
  resolveHoldGate,
  startOvernightGate,
  supplementalDoseGate,
  supplementalWindowClosedGate,
} from '../gates';
import { ProtocolParameters } from '../parameters';
import { SessionEvent } from '../types';

type HoldReturn = 'dosing' | 'acute' | 'settled' | 'recovery';

export interface DosingInput {
  protocolId: string;
  protocolVersion: string;
  params: ProtocolParameters;
  sessionNumber: number;
}

/** A dosing day before anything happened. */
export function initialDosingContext(input: DosingInput): DosingContext {
  return {
    protocolId: input.protocolId,
    protocolVersion: input.protocolVersion,
    params: input.params,
    sessionNumber: input.sessionNumber,
    doseAt: null,
    totalDoseMg: 0,
    devicesGiven: 0,
    lastDeviceAt: null,
    supplementalAt: null,
    supplementalDecision: null,
    overnightStartedAt: null,
    holdReason: null,
    holdFrom: null,
    exit: null,
  };
}

/** The gate of each dosing-day event; the runtime asks the same table for `nextEvents`/`blocked`. */
export const DOSING_GATES: Record<string, Gate> = {
  START: noGate,
  DOSE_INITIAL: initialDoseGate,
  DOSE_DEVICE: deviceDoseGate,
  DOSE_SUPPLEMENTAL: supplementalDoseGate,
  DECLINE_SUPPLEMENTAL: declineSupplementalGate,
  SUPPLEMENTAL_WINDOW_CLOSED: supplementalWindowClosedGate,
  RAISE_HOLD: raiseHoldGate,
  RESOLVE_HOLD: resolveHoldGate,
  BEGIN_RECOVERY: beginRecoveryGate,
  DISCHARGE: dischargeGate,
  START_OVERNIGHT: startOvernightGate,
  END_OVERNIGHT: endOvernightGate,
  ABORT: abortGate,
  CLOSE: noGate,
};

const doseTime = administeredAt;
const amount = (event: SessionEvent): number => (typeof event.data?.amountMg === 'number' ? event.data.amountMg : 0);

/**
 * One dosing day: pre-dose checks and baseline -> initial dose (or a series of nasal devices) ->
 * acute monitoring (supplemental-dose decision where the protocol has one) -> recovery ->
 * discharge or overnight stay -> closed; a medical hold can interrupt monitoring and recovery,
 * and an early exit (emergency transfer, left against advice, stopped) ends the day's protocol
 * steps while monitoring and records go on until the session is closed.
 */
export function createDosingMachine(id: string) {
  return setup({
    types: {
      context: {} as DosingContext,
      events: {} as SessionEvent,
      input: {} as DosingInput,
    },
    guards: {
      gate: ({ context, event }, params: { event: string }) => outstanding(DOSING_GATES[params.event], context, event).length === 0,
      hasSupplemental: ({ context }) => context.params.dosing.supplementalWindowMinutes !== null && context.params.dosing.perSession.some((d) => d.supplementalMg !== null),
      usesDevices: ({ context }) => context.params.dosing.deviceMg !== null,
      allDevicesGiven: ({ context }) => context.devicesGiven >= plannedDevices(context),
      // a hold raised in acute monitoring resumes in settled if the supplemental decision was made meanwhile
      resumesTo: ({ context, event }, params: { to: HoldReturn }) =>
        (context.holdFrom === 'acute' && context.supplementalDecision ? 'settled' : context.holdFrom) === params.to &&
        outstanding(DOSING_GATES.RESOLVE_HOLD, context, event).length === 0,
    },
    actions: {
      recordInitialDose: assign(({ event }) => ({ doseAt: doseTime(event), totalDoseMg: amount(event) })),
      recordDeviceDose: assign(({ context, event }) => ({
        doseAt: context.doseAt ?? doseTime(event),
        devicesGiven: context.devicesGiven + 1,
        lastDeviceAt: doseTime(event),
        totalDoseMg: context.totalDoseMg + amount(event),
      })),
      recordSupplemental: assign(({ context, event }) => ({
        supplementalAt: doseTime(event),
        supplementalDecision: 'given' as const,
        totalDoseMg: context.totalDoseMg + amount(event),
      })),
      recordDeclined: assign({ supplementalDecision: 'declined' as const }),
      recordWindowClosed: assign({ supplementalDecision: ({ context }) => context.supplementalDecision ?? ('window-closed' as const) }),
      recordHold: assign((_, params: { from: HoldReturn }) => ({ holdFrom: params.from })),
      recordHoldReason: assign({ holdReason: ({ event }) => event.reason ?? null }),
      clearHold: assign({ holdReason: null, holdFrom: null }),
      recordOvernight: assign({ overnightStartedAt: ({ event }) => event.facts.now }),
      recordExit: assign({ exit: ({ event }) => String(event.data?.exit ?? 'other') }),
    },
  }).createMachine({
    id,
    context: ({ input }) => initialDosingContext(input),
    initial: 'scheduled',
    states: {
      scheduled: {
        on: {
          START: { target: 'preDose', guard: { type: 'gate', params: { event: 'START' } } },
          ABORT: { target: 'exited', guard: { type: 'gate', params: { event: 'ABORT' } }, actions: 'recordExit' },
        },
      },
      preDose: {
        on: {
          DOSE_INITIAL: {
            target: 'monitoring',
            guard: { type: 'gate', params: { event: 'DOSE_INITIAL' } },
            actions: 'recordInitialDose',
          },
          DOSE_DEVICE: {
            target: 'dosing',
            guard: { type: 'gate', params: { event: 'DOSE_DEVICE' } },
            actions: 'recordDeviceDose',
          },
          ABORT: { target: 'exited', guard: { type: 'gate', params: { event: 'ABORT' } }, actions: 'recordExit' },
        },
      },
      dosing: {
        always: { target: 'monitoring', guard: 'allDevicesGiven' },
        on: {
          DOSE_DEVICE: {
            target: 'dosing',
            reenter: true,
            guard: { type: 'gate', params: { event: 'DOSE_DEVICE' } },
            actions: 'recordDeviceDose',
          },
          RAISE_HOLD: {
            target: 'monitoring.hold',
            guard: { type: 'gate', params: { event: 'RAISE_HOLD' } },
            actions: ['recordHoldReason', { type: 'recordHold', params: { from: 'dosing' } }],
          },
          ABORT: { target: 'exited', guard: { type: 'gate', params: { event: 'ABORT' } }, actions: 'recordExit' },
        },
      },
      monitoring: {
        initial: 'acute',
        on: {
          ABORT: { target: 'exited', guard: { type: 'gate', params: { event: 'ABORT' } }, actions: 'recordExit' },
        },
        states: {
          acute: {
            on: {
              DOSE_SUPPLEMENTAL: {
                target: 'settled',
                guard: { type: 'gate', params: { event: 'DOSE_SUPPLEMENTAL' } },
                actions: 'recordSupplemental',
              },
              DECLINE_SUPPLEMENTAL: {
                target: 'settled',
                guard: { type: 'gate', params: { event: 'DECLINE_SUPPLEMENTAL' } },
                actions: 'recordDeclined',
              },
              SUPPLEMENTAL_WINDOW_CLOSED: {
                target: 'settled',
                guard: { type: 'gate', params: { event: 'SUPPLEMENTAL_WINDOW_CLOSED' } },
                actions: 'recordWindowClosed',
              },
              BEGIN_RECOVERY: { target: 'recovery', guard: { type: 'gate', params: { event: 'BEGIN_RECOVERY' } } },
              RAISE_HOLD: {
                target: 'hold',
                guard: { type: 'gate', params: { event: 'RAISE_HOLD' } },
                actions: ['recordHoldReason', { type: 'recordHold', params: { from: 'acute' } }],
              },
            },
          },
          settled: {
            on: {
              // always refused by the gate ('already given'/'declined'), so the refusal says why
              DOSE_SUPPLEMENTAL: { target: 'settled', guard: { type: 'gate', params: { event: 'DOSE_SUPPLEMENTAL' } } },
              DECLINE_SUPPLEMENTAL: { target: 'settled', guard: { type: 'gate', params: { event: 'DECLINE_SUPPLEMENTAL' } } },
              BEGIN_RECOVERY: { target: 'recovery', guard: { type: 'gate', params: { event: 'BEGIN_RECOVERY' } } },
              RAISE_HOLD: {
                target: 'hold',
                guard: { type: 'gate', params: { event: 'RAISE_HOLD' } },
                actions: ['recordHoldReason', { type: 'recordHold', params: { from: 'settled' } }],
              },
            },
          },
          recovery: {
            on: {
              DOSE_SUPPLEMENTAL: { target: 'recovery', guard: { type: 'gate', params: { event: 'DOSE_SUPPLEMENTAL' } } },
              DISCHARGE: { target: '#' + id + '.discharged', guard: { type: 'gate', params: { event: 'DISCHARGE' } } },
              START_OVERNIGHT: {
                target: '#' + id + '.overnight',
                guard: { type: 'gate', params: { event: 'START_OVERNIGHT' } },
                actions: 'recordOvernight',
              },
              RAISE_HOLD: {
                target: 'hold',
                guard: { type: 'gate', params: { event: 'RAISE_HOLD' } },
                actions: ['recordHoldReason', { type: 'recordHold', params: { from: 'recovery' } }],
              },
            },
          },
          /** Medical hold: raised by an alarm or a person, resolved by an investigator; returns where it was. */
          hold: {
            on: {
              RESOLVE_HOLD: [
                // a hold between nasal devices resumes the series
                { target: '#' + id + '.dosing', guard: { type: 'resumesTo', params: { to: 'dosing' } }, actions: 'clearHold' },
                { target: 'acute', guard: { type: 'resumesTo', params: { to: 'acute' } }, actions: 'clearHold' },
                { target: 'settled', guard: { type: 'resumesTo', params: { to: 'settled' } }, actions: 'clearHold' },
                { target: 'recovery', guard: { type: 'resumesTo', params: { to: 'recovery' } }, actions: 'clearHold' },
              ],
              // the window can close during a hold; the decision is then recorded as not given
              SUPPLEMENTAL_WINDOW_CLOSED: { guard: { type: 'gate', params: { event: 'SUPPLEMENTAL_WINDOW_CLOSED' } }, actions: 'recordWindowClosed' },
            },
          },
        },
      },
      overnight: {
        on: {
          END_OVERNIGHT: { target: 'discharged', guard: { type: 'gate', params: { event: 'END_OVERNIGHT' } } },
          ABORT: { target: 'exited', guard: { type: 'gate', params: { event: 'ABORT' } }, actions: 'recordExit' },
        },
      },
      discharged: {
        on: { CLOSE: { target: 'closed', guard: { type: 'gate', params: { event: 'CLOSE' } } } },
      },
      /** Left the protocol's path early; monitoring and records go on until closed. */
      exited: {
        on: {
          CLOSE: { target: 'closed', guard: { type: 'gate', params: { event: 'CLOSE' } } },
        },
      },
      closed: { type: 'final' },
    },
  });
}

export type DosingMachine = ReturnType<typeof createDosingMachine>;
