import { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CloudStackError, toErrorShape } from '../../core/errors';
import { jsonResponse } from './response';
import type { ApiLambdaContext } from './handler';

/**
 * The only place that builds CloudStack's error body:
 * `{"<cmd>response":{"uuidList":[],"errorcode":N,"cserrorcode":M,"errortext":"..."}}`, with the
 * HTTP status equal to `errorcode`, no `cserrorcode` on 401s, and `errorresponse` when the command
 * is unknown. Use it as the outermost middleware so it sees every error.
 */

const logger = new Logger({ serviceName: 'stratus-api' });

/** An error as the client sees it; `envelope` is the command's response name, or undefined for `errorresponse`. */
export function errorResponse(err: unknown, envelope: string | undefined, rootAdmin: boolean): APIGatewayProxyStructuredResultV2 {
  const shape = toErrorShape(err, { rootAdmin });
  const body = {
    uuidList: [],
    errorcode: shape.errorcode,
    ...(shape.cserrorcode === undefined ? {} : { cserrorcode: shape.cserrorcode }),
    errortext: shape.errortext,
  };
  // ACS repeats the text in X-Description; a header value is one line of printable ASCII (Node refuses others).
  const description = shape.errortext.replace(/[\r\n]+/g, ' ').replace(/[^\t\x20-\x7e]/g, '?').slice(0, 1024);
  return jsonResponse(shape.errorcode, { [envelope ?? 'errorresponse']: body }, { 'X-Description': description });
}

export function cloudstackErrors(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiLambdaContext> {
  return {
    onError(request) {
      const err: unknown = request.error;
      const api = request.context.stratus;
      const requestId = request.context.awsRequestId;
      if (!(err instanceof CloudStackError) || !err.expose) {
        // Something an operator must look at: once, with its stack and the request it broke.
        logger.error('unexpected error', { requestId, command: api?.command?.name, error: err as Error });
      } else {
        // A refused request (bad input, no room, busy VM, ...) is the client's answer, not an incident.
        logger.info('command refused', { requestId, command: api?.command?.name, errorcode: err.errorCode, errortext: err.message });
      }
      request.response = errorResponse(err, api?.command?.envelope ?? api?.envelope, api?.caller?.role === 'rootAdmin');
    },
  };
}
