/**
 * Server-side (TNCS) PB-TNC state machine, RFC 5793 §3.2. PB-TNC is half-duplex: whoever is
 * "working" holds the turn. A client batch that the RFC does not allow in the current state is
 * answered with PB-Error Unexpected Batch Type, which is why onClientBatch throws a WireError.
 *
 *   Init          --client CDATA-->  ServerWorking    --server SDATA-->  ClientWorking
 *   Init          --server SDATA-->  ClientWorking    (the TNCS may open the exchange)
 *   ClientWorking --client CDATA-->  ServerWorking
 *   ServerWorking --server RESULT--> Decided
 *   Decided       --client CRETRY--> ServerWorking    (client asks for reassessment)
 *   Decided       --server SRETRY--> ServerWorking    (server starts reassessment, keeps the turn)
 *   ServerWorking, ClientWorking: a client CRETRY is accepted and changes nothing, and so is a
 *     server SRETRY in ServerWorking (the RFC figure's "Receive CRETRY or SRETRY" self-loops).
 *   any state     --CLOSE (either side)--> End; a client CLOSE in End is accepted, since both
 *     sides may close at once.
 */
import { PB_ERROR, WireError } from '../wire-error.js';
import { BatchType, type BatchTypeValue } from './batch.js';

export const PbState = { Init: 'Init', ServerWorking: 'ServerWorking', ClientWorking: 'ClientWorking', Decided: 'Decided', End: 'End' } as const;
export type PbStateValue = (typeof PbState)[keyof typeof PbState];

type Table = Record<PbStateValue, Partial<Record<BatchTypeValue, PbStateValue>>>;

const { Init, ServerWorking, ClientWorking, Decided, End } = PbState;
const { CDATA, SDATA, RESULT, CRETRY, SRETRY, CLOSE } = BatchType;

/** Batches the TNCC may send, per state, and where each leads. Exported as data for tests/docs. */
export const CLIENT_TRANSITIONS: Table = {
  [Init]: { [CDATA]: ServerWorking, [CLOSE]: End },
  [ServerWorking]: { [CRETRY]: ServerWorking, [CLOSE]: End },
  [ClientWorking]: { [CDATA]: ServerWorking, [CRETRY]: ClientWorking, [CLOSE]: End },
  [Decided]: { [CRETRY]: ServerWorking, [CLOSE]: End },
  [End]: { [CLOSE]: End },
};

/** Batches the TNCS may send. Nothing after End: the session is over for us. */
export const SERVER_TRANSITIONS: Table = {
  [Init]: { [SDATA]: ClientWorking, [CLOSE]: End },
  [ServerWorking]: { [SDATA]: ClientWorking, [RESULT]: Decided, [SRETRY]: ServerWorking, [CLOSE]: End },
  [ClientWorking]: { [CLOSE]: End },
  [Decided]: { [SRETRY]: ServerWorking, [CLOSE]: End },
  [End]: {},
};

export class TncsStateMachine {
  private current: PbStateValue = PbState.Init;

  get state(): PbStateValue {
    return this.current;
  }

  /** Apply a batch received from the TNCC; throws UNEXPECTED_BATCH_TYPE when not allowed. */
  onClientBatch(type: BatchTypeValue): void {
    const next = CLIENT_TRANSITIONS[this.current][type];
    if (next === undefined) {
      // Offset 3: the byte holding the batch type field in the batch header.
      throw new WireError('pb-tnc', PB_ERROR.UNEXPECTED_BATCH_TYPE, `client batch type ${type} not allowed in state ${this.current}`, 3);
    }
    this.current = next;
  }

  canSend(type: BatchTypeValue): boolean {
    return SERVER_TRANSITIONS[this.current][type] !== undefined;
  }

  /**
   * Record a batch we are about to send. Sending a forbidden one is our own bug; it is reported
   * as LOCAL_ERROR so the session still fails with a protocol error rather than a crash.
   */
  onServerBatch(type: BatchTypeValue): void {
    const next = SERVER_TRANSITIONS[this.current][type];
    if (next === undefined) {
      throw new WireError('pb-tnc', PB_ERROR.LOCAL_ERROR, `server may not send batch type ${type} in state ${this.current}`, 0);
    }
    this.current = next;
  }
}
