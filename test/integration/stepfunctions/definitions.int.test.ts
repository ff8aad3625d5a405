import { join } from 'node:path';
import { loadWorkflowDefinitions, WorkflowDefinitionError } from '../../../local/stepfunctions/server';
import { FIXTURES, fakeArnsFor } from './helpers';

const REFUSED = join(__dirname, 'fixtures', 'refused');
const WORKFLOWS = join(__dirname, '..', '..', '..', 'workflows');

describe('loadWorkflowDefinitions', () => {
  it('refuses a JSONata definition, naming the file and what to use instead', () => {
    // Act
    const load = () => loadWorkflowDefinitions(join(REFUSED, 'jsonata'), {});

    // Assess
    expect(load).toThrow(WorkflowDefinitionError);
    expect(load).toThrow(/jsonata\.asl\.json: QueryLanguage "JSONata" is not supported by the local engine; write the workflow in JSONPath/);
  });

  it('refuses a state that assigns variables, naming the file and the state', () => {
    // Act
    const load = () => loadWorkflowDefinitions(join(REFUSED, 'assign'), {});

    // Assess
    expect(load).toThrow(/assign\.asl\.json: state "Remember" uses "Assign"/);
  });

  it('refuses a placeholder without a value rather than leaving it in the definition', () => {
    // Act
    const load = () => loadWorkflowDefinitions(FIXTURES, {});

    // Assess
    expect(load).toThrow(/No value for workflow placeholder/);
  });

  it('loads the real deploy-vm workflow with fake function ARNs', () => {
    // Act
    const loaded = loadWorkflowDefinitions(WORKFLOWS, fakeArnsFor(WORKFLOWS));

    // Assess
    const deploy = loaded.find((w) => w.name === 'deploy-vm');
    expect(deploy).toBeDefined();
    expect(deploy!.tasks.get('StartOnHost')?.kind).toBe('callback');
    expect(deploy!.tasks.get('ChooseHost')?.kind).toBe('function');
    expect([...deploy!.tasks.values()].filter((t) => t.kind === 'unsupported')).toEqual([]);
  });
});
