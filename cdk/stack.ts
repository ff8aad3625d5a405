import { existsSync } from 'node:fs';
import path from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { TABLE_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '../functions/store/table';
import { CDK_BUNDLING, SCHEDULED_FUNCTIONS } from './lambdas';
import { acknowledgeWildcardResource } from './nag';
import { OperationalAlarms } from './alarms';
import { loadWorkflows } from './workflows';
import { WebConsole } from './web-console';

export interface StratusStackProps extends StackProps {
  /** Keep the table on stack deletion and refuse DeleteTable (default true; turn off for throwaway stacks). */
  deletionProtection?: boolean;
  /** Repository root holding functions/, workflows/ and package-lock.json (default: this file's parent). */
  projectRoot?: string;
  /** An SNS topic every operational alarm notifies (cdk.json context `alarmTopicArn`); none: alarms only. */
  alarmTopicArn?: string;
}

const LOG_RETENTION = RetentionDays.ONE_MONTH;

// Stage defaults: well under the account's 10,000 req/s and 5,000 burst shared by every API in the
// region (perf-anchors 1.3), so one noisy client cannot starve the other APIs of the account.
const THROTTLE = { rateLimit: 1000, burstLimit: 2000 };

const L1_REASON =
  'nodejs22.x is pinned on purpose: the project runs and tests on Node 22 (npm node@22), so the deployed runtime matches what was tested.';
const INDEX_REASON =
  'The table grant covers its GSIs (gsi1 to gsi4) as <table>/index/*; the store queries them all, and index ARNs cannot be listed without the wildcard.';

// What functions/store issues (Get/Put/Update/Delete/Query, TransactWrite = the item actions plus
// ConditionCheckItem, and the batch forms). Unlike grantReadWriteData: no Scan (never on a request
// path), no DescribeTable and no stream reads.
const TABLE_DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

interface FunctionSpec {
  entry: string;
  service: string;
  memorySize: number;
  timeout: Duration;
  environment?: Record<string, string>;
}

/**
 * The AWS deployment: the single table, the api and agent-gateway functions, one function per workflow
 * step, one Standard state machine per workflows/*.asl.json, and the HTTP API in front. Each role gets
 * only what its code calls (see the grants below).
 */
export class StratusStack extends Stack {
  readonly table: TableV2;
  readonly api: HttpApi;
  readonly webConsole: WebConsole;
  readonly stateMachines: Record<string, StateMachine> = {};
  readonly stepFunctions: Record<string, NodejsFunction> = {};
  readonly scheduledFunctions: Record<string, NodejsFunction> = {};
  readonly alarms: OperationalAlarms;
  private readonly projectRoot: string;

  constructor(scope: Construct, id: string, props: StratusStackProps = {}) {
    super(scope, id, props);
    this.projectRoot = props.projectRoot ?? path.resolve(__dirname, '..');
    const deletionProtection = props.deletionProtection ?? true;

    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      // CloudFormation adds one index per update: a table deployed before gsi3..gsi5 is upgraded by
      // deploying with `-c tableIndexes=3`, then 4, then without (README, "Upgrading a deployment").
      globalSecondaryIndexes: TABLE_INDEXES.slice(0, Number(this.node.tryGetContext('tableIndexes') ?? TABLE_INDEXES.length)).map((ix) => ({
        indexName: ix.indexName,
        partitionKey: { name: ix.partitionKey, type: AttributeType.STRING },
        sortKey: { name: ix.sortKey, type: ix.sortKeyType === 'N' ? AttributeType.NUMBER : AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      })),
      timeToLiveAttribute: TTL_ATTRIBUTE,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection,
      removalPolicy: deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // One function per step, shared by every workflow that names it.
    const workflows = loadWorkflows(path.join(this.projectRoot, 'workflows'));
    for (const wf of workflows) {
      for (const [placeholder, step] of wf.steps) {
        if (this.stepFunctions[step]) continue;
        const fn = this.nodeFunction(placeholder, {
          entry: `functions/steps/${step}.ts`,
          service: `stratus-step-${step}`,
          memorySize: 512,
          timeout: Duration.seconds(30),
        });
        this.table.grant(fn, ...TABLE_DATA_ACTIONS);
        this.stepFunctions[step] = fn;
      }
    }

    const machineNames: Record<string, string> = {};
    for (const wf of workflows) {
      machineNames[wf.name] = `${this.stackName}-${wf.name}`;
      const logGroup = new LogGroup(this, `${wf.name}-logs`, {
        // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's CloudWatch Logs
        // resource policy (5,120 characters) by one entry per state machine.
        logGroupName: `/aws/vendedlogs/states/${machineNames[wf.name]}`,
        retention: LOG_RETENTION,
        // A fixed name: a retained group would block re-creating the stack.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const sm = new StateMachine(this, wf.name, {
        stateMachineName: machineNames[wf.name],
        stateMachineType: StateMachineType.STANDARD,
        // fromString inlines the ASL; fromFile would upload it as an S3 asset (needs the bootstrap bucket).
        definitionBody: DefinitionBody.fromString(wf.text),
        definitionSubstitutions: Object.fromEntries(
          [...wf.steps].map(([placeholder, step]) => [placeholder, this.stepFunctions[step].functionArn]),
        ),
        logs: { destination: logGroup, level: LogLevel.ERROR, includeExecutionData: false },
        tracingEnabled: true,
      });
      // The ASL calls the unqualified ARNs only; grantInvoke would add `<arn>:*` (versions, aliases) too.
      sm.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [...new Set(wf.steps.values())].map((step) => this.stepFunctions[step].functionArn),
        }),
      );
      Validations.of(sm).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only the logs:*LogDelivery/DescribeLogGroups/ResourcePolicy and xray:PutTrace*/GetSampling* actions CDK adds for logging and tracing are on *; they have no resource-level permissions.',
      });
      Validations.of(sm).acknowledge({
        id: 'AwsSolutions-SF1',
        reason:
          'Standard workflows keep every event in the execution history (90 days) and jobs record their steps in DynamoDB; CloudWatch gets errors only so that log ingestion stays off the per-operation cost.',
      });
      this.stateMachines[wf.name] = sm;
    }

    // CDK resolves the ARN tokens inside the JSON text.
    const workflowArns = {
      WORKFLOW_ARNS: JSON.stringify(Object.fromEntries(Object.entries(this.stateMachines).map(([name, sm]) => [name, sm.stateMachineArn]))),
    };
    /** Start (some) workflows and read their executions, whose names (job ids) the grantee chose. */
    const grantWorkflows = (fn: NodejsFunction, start: readonly string[]) => {
      for (const [name, sm] of Object.entries(this.stateMachines)) {
        if (start.includes(name)) sm.grantStartExecution(fn);
        // Built from the name we gave the machine, so the finding below names it plainly.
        const executions = this.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${machineNames[name]}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        });
        Grant.addToPrincipal({ grantee: fn, actions: ['states:DescribeExecution'], resourceArns: [executions] });
        acknowledgeWildcardResource(
          fn.role!,
          executions,
          `DescribeExecution is authorised per execution ARN; the function reads the executions of ${machineNames[name]} only, whose names (job ids) it chose.`,
        );
      }
    };

    // Steps that call Step Functions themselves: a host's drain (host-maintenance) starts each VM's
    // migration as its own job, and that job's last step answers the drain's task token; a scheduled
    // backup's retention starts the deletion of each nas backup beyond it. Their ARNs are built from
    // the machines' names: the machines already reference these functions, so the machines' own
    // tokens here would make a dependency cycle.
    const machineArn = (name: string) =>
      this.formatArn({ service: 'states', resource: 'stateMachine', resourceName: machineNames[name], arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const STEP_STARTS: Record<string, string> = { startVmMigration: 'migrate-vm', applyBackupRetention: 'delete-backup' };
    for (const [step, workflow] of Object.entries(STEP_STARTS)) {
      const starter = this.stepFunctions[step];
      if (!starter) continue;
      starter.addEnvironment('WORKFLOW_ARNS', JSON.stringify({ [workflow]: machineArn(workflow) }));
      starter.addToRolePolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [machineArn(workflow)] }));
      const executions = this.formatArn({ service: 'states', resource: 'execution', resourceName: `${machineNames[workflow]}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      starter.addToRolePolicy(new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));
      acknowledgeWildcardResource(starter.role!, executions, `DescribeExecution is authorised per execution ARN; the step reads the executions of ${machineNames[workflow]} only, whose names (job ids) it chose.`);
    }
    for (const step of ['recordJobSuccess', 'recordJobFailure'])
      this.stepFunctions[step]?.addToRolePolicy(new PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [machineArn('host-maintenance')] }));

    const api = this.nodeFunction('Api', {
      entry: 'functions/api/handler.ts',
      service: 'stratus-api',
      memorySize: 1024,
      // The HTTP API gives an integration at most 30 s, not raisable (perf-anchors 1.3).
      timeout: Duration.seconds(29),
      environment: workflowArns,
    });
    this.table.grant(api, ...TABLE_DATA_ACTIONS);
    grantWorkflows(api, Object.keys(this.stateMachines));

    // Background jobs: EventBridge Scheduler ticks each every minute; each decides from its interval
    // setting (expunge.interval, vm.reconcile.interval, ha.monitor.interval) whether it is due, so the
    // settings apply live. The HA monitor's interval may be under a minute: it runs on within the tick.
    // The backup scheduler sweeps the due index at the start of every minute.
    for (const job of SCHEDULED_FUNCTIONS) {
      const fn = this.nodeFunction(job.id, { entry: job.entry, service: `stratus-${job.id.toLowerCase()}`, memorySize: 512, timeout: Duration.minutes(5), environment: workflowArns });
      this.scheduledFunctions[job.id] = fn;
      this.table.grant(fn, ...TABLE_DATA_ACTIONS);
      grantWorkflows(fn, job.starts);
      const invoker = new Role(this, `${job.id}ScheduleRole`, { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
      acknowledgeWildcardResource(invoker, `${fn.functionArn}:*`, `The scheduler target's grant covers ${job.id}'s versions and aliases (<arn>:*); it invokes only that function.`);
      new Schedule(this, `${job.id}Schedule`, {
        schedule: 'onTheMinute' in job ? ScheduleExpression.cron({ minute: '*', hour: '*', day: '*', month: '*', year: '*' }) : ScheduleExpression.rate(Duration.minutes(1)),
        target: new LambdaInvoke(fn, { role: invoker }),
        description: `Stratus ${job.id}: runs when its interval setting says it is due`,
      });
    }

    const gateway = this.nodeFunction('AgentGateway', {
      entry: 'functions/agent-gateway/handler.ts',
      service: 'stratus-agent-gateway',
      memorySize: 512,
      // A long poll waits up to 20 s; the handler stops 3 s before this limit (the HTTP API's is 30 s).
      timeout: Duration.seconds(29),
    });
    this.table.grant(gateway, ...TABLE_DATA_ACTIONS);
    for (const sm of Object.values(this.stateMachines)) sm.grantTaskResponse(gateway);

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: LOG_RETENTION });
    this.api = new HttpApi(this, 'HttpApi', { apiName: this.stackName, createDefaultStage: false });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: THROTTLE,
      // Per-route metrics: the agent gateway's 5xx alarm must not count the API's.
      detailedMetricsEnabled: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // HTTP API context variables only ($context.resourcePath and friends are REST-only).
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const apiIntegration = new HttpLambdaIntegration('ApiIntegration', api);
    this.api.addRoutes({ path: '/client/api', methods: [HttpMethod.GET, HttpMethod.POST], integration: apiIntegration });
    this.api.addRoutes({
      path: '/agent/{proxy+}',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('AgentGatewayIntegration', gateway),
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Both routes authenticate in the handler: CloudStack clients sign each request with apiKey + HMAC signature (verified by api), agents sign with their host secret (core/agent-signing.ts, verified by agent-gateway). No API Gateway authorizer can check either scheme.',
    });

    const functions: Record<string, NodejsFunction> = { Api: api, AgentGateway: gateway, ...this.scheduledFunctions };
    for (const [step, fn] of Object.entries(this.stepFunctions)) functions[step] = fn;
    this.alarms = new OperationalAlarms(this, 'Alarms', { table: this.table, stateMachines: this.stateMachines, functions, api: this.api, stage, alarmTopicArn: props.alarmTopicArn });

    this.webConsole = new WebConsole(this, 'WebConsole', { api: this.api, projectRoot: this.projectRoot });

    new CfnOutput(this, 'ApiUrl', { value: `${stage.url}client/api`, description: 'CloudStack API endpoint' });
    new CfnOutput(this, 'ConsoleUrl', { value: `https://${this.webConsole.distribution.distributionDomainName}/`, description: 'Web console (its API at /client/api on the same origin)' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
  }

  /** A bundled Node 22 / arm64 function with its own log group and a role that may write only there. */
  private nodeFunction(id: string, spec: FunctionSpec): NodejsFunction {
    const entry = path.join(this.projectRoot, spec.entry);
    if (!existsSync(entry)) throw new Error(`${id}: entry ${spec.entry} does not exist`);
    const logGroup = new LogGroup(this, `${id}Logs`, { retention: LOG_RETENTION });
    // An own role instead of AWSLambdaBasicExecutionRole, whose logs actions are on every log group.
    const role = new Role(this, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const fn = new NodejsFunction(this, id, {
      entry,
      handler: 'handler',
      projectRoot: this.projectRoot,
      depsLockFilePath: path.join(this.projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memorySize,
      timeout: spec.timeout,
      role,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        TABLE_NAME: this.table.tableName,
        POWERTOOLS_SERVICE_NAME: spec.service,
        ...spec.environment,
      },
      // The one bundling definition, which the local runtime and the tests build too (cdk/lambdas.ts).
      bundling: { ...CDK_BUNDLING, format: OutputFormat.ESM },
    });
    Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason: L1_REASON });
    acknowledgeWildcardResource(role, `${this.table.tableArn}/index/*`, INDEX_REASON);
    return fn;
  }
}
