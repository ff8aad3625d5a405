import { Duration, NestedStack } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

export interface OperationalAlarmsProps {
  table: TableV2;
  stateMachines: Record<string, StateMachine>;
  functions: Record<string, NodejsFunction>;
  api: HttpApi;
  stage: HttpStage;
  /** An SNS topic (ARN) every alarm notifies, in alarm and back to OK; none: the alarms only show in CloudWatch. */
  alarmTopicArn?: string;
}

/** The operations a Stratus function issues (TABLE_DATA_ACTIONS in stack.ts), for the table's throttling. */
const TABLE_OPERATIONS = [Operation.GET_ITEM, Operation.BATCH_GET_ITEM, Operation.QUERY, Operation.PUT_ITEM, Operation.UPDATE_ITEM, Operation.DELETE_ITEM, Operation.BATCH_WRITE_ITEM, Operation.TRANSACT_WRITE_ITEMS];

/**
 * What an operator must act on, each an alarm on one minute: a workflow execution that failed or
 * timed out (a job ended badly), a function that errored or was throttled, DynamoDB throttling, and
 * the agent gateway answering 5xx (agents cannot heartbeat: HA would start declaring hosts Down).
 * Alarm names start with the stack's name so that one account can hold several Stratus stacks.
 * A nested stack: they are two per function and per state machine, and in the main stack they took
 * 158 of CloudFormation's 500 resources per stack, which every new function or workflow nears. Their
 * names say `alarm-` since they moved here: a stack updated from before creates these while the old
 * ones still exist, and CloudWatch names are unique per region (the same name would be overwritten,
 * then deleted with the old resource).
 */
export class OperationalAlarms extends NestedStack {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id, { description: 'Stratus operational alarms: failed and timed-out executions, function errors and throttles, table throttling, agent gateway 5xx' });
    const prefix = props.api.stack.stackName;
    const topic = props.alarmTopicArn ? Topic.fromTopicArn(this, 'Topic', props.alarmTopicArn) : undefined;
    const alarm = (name: string, metric: IMetric, description: string) => {
      const a = new Alarm(this, name, {
        alarmName: `${prefix}-alarm-${name}`,
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (topic) {
        a.addAlarmAction(new SnsAction(topic));
        a.addOkAction(new SnsAction(topic));
      }
      this.alarms.push(a);
    };
    const perMinute = { period: Duration.minutes(1), statistic: 'Sum' };

    for (const [name, sm] of Object.entries(props.stateMachines)) {
      alarm(`${name}-ExecutionsFailed`, sm.metricFailed(perMinute), `Executions of ${name} failed: their jobs ended in error (queryAsyncJobResult shows the failed step and reason).`);
      alarm(`${name}-ExecutionsTimedOut`, sm.metricTimedOut(perMinute), `Executions of ${name} timed out: the reconciler settles their jobs and VMs.`);
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}-Errors`, fn.metricErrors(perMinute), `The ${name} function failed (unhandled error or timeout); its log group has the error once, with its request id.`);
      alarm(`${name}-Throttles`, fn.metricThrottles(perMinute), `Invocations of ${name} were throttled: the account's Lambda concurrency is exhausted.`);
    }
    alarm(
      'Table-Throttled',
      props.table.metricThrottledRequestsForOperations({ ...perMinute, operations: TABLE_OPERATIONS }),
      'DynamoDB throttled requests to the inventory table: requests are slowed or failing.',
    );
    // Route-level metrics (detailedMetricsEnabled on the stage) tell the agents' route from the API's.
    alarm(
      'AgentGateway-5xx',
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName: '5xx',
        dimensionsMap: { ApiId: props.api.apiId, Stage: props.stage.stageName, Resource: '/agent/{proxy+}', Method: 'POST' },
        ...perMinute,
      }),
      'The agent gateway answered 5xx: agents may be unable to heartbeat, poll or report, and HA will declare their hosts Down.',
    );
  }
}
