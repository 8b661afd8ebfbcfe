import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import { DockerfileParser } from 'dockerfile-ast';
import { parseAllDocuments } from 'yaml';

export const DEPLOY = join(import.meta.dirname, '..');
export const ROOT = join(DEPLOY, '..');
export const K8S = join(DEPLOY, 'k8s');

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // The tests read whatever a kind has; the schema validation is what checks its shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  /** The file it came from, for messages. */
  file: string;
}

/** Every YAML document of a file (merge keys resolved, as compose does); a syntax error or a duplicate key fails. */
export function readYaml(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8'), { uniqueKeys: true, merge: true }).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]?.message}`);
    return document.toJS({ maxAliasCount: 100 });
  });
}

export function manifestFiles(): string[] {
  return readdirSync(K8S)
    .filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml')
    .sort();
}

export function readManifests(files = manifestFiles()): KubeObject[] {
  return files.flatMap((file) =>
    readYaml(join(K8S, file))
      .filter((doc) => doc !== null)
      .map((doc) => ({ ...(doc as Omit<KubeObject, 'file'>), file })),
  );
}

/** One object by kind and name; throws if it is not there, so that a test names what is missing. */
export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found;
}

export interface DockerStage {
  name: string;
  from: string;
  /** Each instruction: its keyword, its arguments (flags left out), and its whole text (flags in). */
  instructions: { keyword: string; args: string; text: string }[];
}

/** The Dockerfile's stages, in order, with their instructions as written (line continuations joined). */
export function dockerStages(content = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8')): DockerStage[] {
  const stages: DockerStage[] = [];
  for (const instruction of DockerfileParser.parse(content).getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = instruction.getArgumentsContent() ?? '';
    if (keyword === 'FROM') {
      const [from = '', , name] = args.split(/\s+/);
      stages.push({ name: name ?? `stage-${stages.length}`, from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword, args, text: instruction.toString() });
    }
  }
  return stages;
}

/** A build target's instructions from its first ancestor stage to itself (FROM <stage> chains). */
export function targetInstructions(stages: DockerStage[], target: string): DockerStage['instructions'] {
  const stage = stages.find((candidate) => candidate.name === target);
  if (!stage) throw new Error(`Dockerfile has no stage ${target}`);
  const parent = stages.find((candidate) => candidate.name === stage.from);
  return [...(parent ? targetInstructions(stages, parent.name) : []), ...stage.instructions];
}

/** ENV of a target, ENV lines of the form `A=1 B=2` (the only form the Dockerfile uses). */
export function targetEnv(stages: DockerStage[], target: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of targetInstructions(stages, target)) {
    if (keyword !== 'ENV') continue;
    for (const pair of args.split(/\s+\\?\s*/).filter((part) => part.includes('='))) {
      const [name, ...value] = pair.split('=');
      env[name as string] = value.join('=');
    }
  }
  return env;
}

/** The exec-form CMD of a target. */
export function targetCommand(stages: DockerStage[], target: string): string[] {
  const cmd = targetInstructions(stages, target)
    .filter(({ keyword }) => keyword === 'CMD')
    .at(-1);
  if (!cmd) throw new Error(`target ${target} has no CMD`);
  return JSON.parse(cmd.args) as string[];
}

// The package is CommonJS (`module.exports = factory`) but its types declare an ES default export.
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;

/** The build context's filter, as `docker build` applies .dockerignore. */
export function contextFilter(): { ignores(path: string): boolean } {
  return dockerignore().add(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
}
