import { handler as applyVmEvent } from './applyVmEvent';
import { handler as chooseHost } from './chooseHost';
import { handler as dispatchAgentTask } from './dispatchAgentTask';
import { handler as recordJobFailure } from './recordJobFailure';
import { handler as recordJobSuccess } from './recordJobSuccess';
import { handler as releaseAddresses } from './releaseAddresses';
import { handler as releaseCapacity } from './releaseCapacity';
import { handler as reserveCapacity } from './reserveCapacity';

/**
 * Every workflow step handler by name (`${ChooseHostFn}` in ASL -> `chooseHost`), for the local
 * runtime; on AWS each is its own Lambda function. A test checks that every placeholder in
 * workflows/ names one of these and every file here is listed once.
 */
export const stepHandlers: Readonly<Record<string, (event: unknown) => Promise<unknown>>> = {
  applyVmEvent,
  chooseHost,
  dispatchAgentTask,
  recordJobFailure,
  recordJobSuccess,
  releaseAddresses,
  releaseCapacity,
  reserveCapacity,
};
