import path from 'node:path';
import { Aws, DefaultStackSynthesizer, Duration, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { CONSOLE_CSP, writeConsole } from './console-assets';
import { acknowledgeWildcardResource } from './nag';

export interface WebConsoleProps {
  api: HttpApi;
  projectRoot: string;
}

/**
 * The web console on AWS: its three files in a private bucket, behind a CloudFront distribution that
 * also forwards `/client/api` to the HTTP API, so the console and the API it calls share one origin
 * (no CORS, the session cookie stays first-party), as on `npm start`. Why CloudFront and not the HTTP
 * API serving the files: docs/decisions.md. A nested stack, as the alarms are, so the main stack
 * stays clear of CloudFormation's 500 resources per stack.
 */
export class WebConsole extends NestedStack {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: WebConsoleProps) {
    super(scope, id, { description: 'Stratus web console: its files in S3 behind CloudFront, with /client/api forwarded to the HTTP API' });
    const stack = Stack.of(this);
    const bucket = new Bucket(this, 'Assets', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
    });
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONSOLE_CSP, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.SAME_ORIGIN, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    // The HTTP API's $default stage answers at the root of its execute-api domain.
    const apiOrigin = new HttpOrigin(`${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `${props.api.stack.stackName} web console and CloudStack API`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
      additionalBehaviors: {
        // Every API answer is per caller: never cached; the query string, body and cookies pass as sent.
        '/client/api': {
          origin: apiOrigin,
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
    new BucketDeployment(this, 'Files', {
      sources: [Source.asset(writeConsole(props.projectRoot, path.join(props.projectRoot, '.build', 'console-assets')))],
      destinationBucket: bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    this.acknowledgeFindings(bucket);
  }

  private acknowledgeFindings(bucket: Bucket): void {
    const ack = (id: string, reason: string) => Validations.of(this).acknowledge({ id, reason });
    ack('AwsSolutions-S1', "The bucket holds only the console's three static files, readable by CloudFront alone (origin access control); what users do is logged as API calls, at the HTTP API stage and in events.");
    ack('AwsSolutions-CFR1', 'Operators and tenants reach their cloud from anywhere; every API request is authenticated (signature or login session) and throttled per account, so no country is refused.');
    ack('AwsSolutions-CFR2', 'Every API request behind the distribution is authenticated and throttled (per account in the table, and at the HTTP API stage); a WAF web ACL (us-east-1) is an operator choice with its own cost.');
    ack('AwsSolutions-CFR3', "Each /client/api request is access-logged at the HTTP API stage it is forwarded to; the other paths serve the same three public static files and carry no tenant's data.");
    ack('AwsSolutions-CFR4', "On CloudFront's default certificate the viewer TLS policy cannot be set; an operator who adds their own domain and ACM certificate sets TLSv1.2_2021 with it.");
    // CDK's BucketDeployment: its singleton function's runtime, role and policies are the construct's own.
    const deployment = "CDK's BucketDeployment custom resource (aws-s3-deployment) copies the built console into the bucket at deploy time";
    ack('AwsSolutions-L1', `${deployment}; its Lambda runtime is chosen by aws-cdk-lib, not by this stack.`);
    ack('AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', `${deployment}; the construct attaches the basic execution role for its logs.`);
    for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'])
      ack(`AwsSolutions-IAM5[Action::${action}]`, `${deployment}; the construct grants ${action} to read the staged asset and replace the bucket's files.`);
    const stack = Stack.of(this);
    const bootstrapBucket = `arn:${stack.partition}:s3:::cdk-${DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-${Aws.ACCOUNT_ID}-${stack.region}/*`;
    acknowledgeWildcardResource(this, bootstrapBucket, `${deployment}; it reads the staged asset from the CDK bootstrap bucket.`);
    ack('AwsSolutions-IAM5[Resource::*]', `${deployment}; the construct's CloudFront invalidation (cloudfront:CreateInvalidation) cannot name a distribution ARN.`);
    acknowledgeWildcardResource(this, `${bucket.bucketArn}/*`, `${deployment}; it writes and deletes the console's objects, whose keys are the files' names.`);
  }
}
