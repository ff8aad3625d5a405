import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import type { DownloadProgress } from '../image-download';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'DownloadImage' }>['payload'];

/** DownloadImage: fetch a registered image into the host's pool; the control plane hears its progress in heartbeats. */
export function downloadImage(driver: HypervisorDriver, { image }: Payload, onProgress: DownloadProgress, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => ({ templateId: image.id, ...(await driver.downloadImage(image, onProgress, signal)) }));
}
