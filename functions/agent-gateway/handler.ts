import { createStore } from '../store';
import { sfnClient } from '../workflows-client';
import { createAgentGateway } from './app';

/**
 * Lambda entry point behind the HTTP API routes POST /agent/{register,heartbeat,poll,result}.
 * Collaborators are made on the first request, not at import.
 */
export const handler = createAgentGateway(() => {
  const store = createStore();
  return { hostAgent: store.hostAgent, tasks: store.tasks, jobs: store.jobs, pools: store.poolReports, images: store.templates, domains: store.unmanaged, sfn: sfnClient() };
});
