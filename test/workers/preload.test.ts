/**
 * The workflow modules the SDK evaluates once for all workflows (`PRELOADED_WORKFLOW_MODULES`,
 * src/workers/worker.ts) are in the bundle's preload, and every project module they reach keeps no
 * per-workflow state: at module level nothing mutable (`let`, `var`, a global or sticky regex, whose
 * `lastIndex` moves) and no call into the workflow's context (only the message definitions of
 * `@temporalio/workflow`). A module added to the list that breaks this fails here, not in a replay.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { PRELOADED_WORKFLOW_MODULES, workflowBundle } from '../../src/workers/worker';

const SRC = path.resolve(__dirname, '..', '..', 'src');
/** What a preloaded module may take from `@temporalio/workflow`: definitions, no context. */
const WORKFLOW_API_ALLOWED = new Set(['defineQuery', 'defineSignal', 'defineUpdate']);

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const f of [`${base}.ts`, path.join(base, 'index.ts')]) {
    try {
      readFileSync(f);
      return f;
    } catch {}
  }
  throw new Error(`${from}: cannot resolve ${spec}`);
}

/** Module-level state and workflow-context use in one file; the project files it imports. */
function inspect(file: string): { problems: string[]; imports: string[]; packages: string[] } {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const problems: string[] = [];
  const imports: string[] = [];
  const packages: string[] = [];
  const where = (n: ts.Node) =>
    `${path.relative(SRC, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const flagRegexes = (n: ts.Node): void => {
    if (ts.isRegularExpressionLiteral(n) && /\/[a-z]*[gy][a-z]*$/.test(n.text))
      problems.push(`${where(n)}: a global or sticky regex at module level (${n.text})`);
    ts.forEachChild(n, flagRegexes);
  };
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) {
      const spec =
        st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : '';
      const typeOnly = ts.isImportDeclaration(st) ? st.importClause?.isTypeOnly : st.isTypeOnly;
      if (spec === '@temporalio/workflow' && ts.isImportDeclaration(st) && !typeOnly) {
        const named = st.importClause?.namedBindings;
        const names =
          named && ts.isNamedImports(named)
            ? named.elements.filter((e) => !e.isTypeOnly).map((e) => e.name.text)
            : ['*'];
        for (const n of names)
          if (!WORKFLOW_API_ALLOWED.has(n))
            problems.push(`${where(st)}: imports ${n} from @temporalio/workflow`);
      }
      if (spec === 'zod' && !typeOnly)
        problems.push(`${where(st)}: imports zod (its schemas cache on themselves; frozen, they fail)`);
      const local = typeOnly ? undefined : resolveLocal(file, spec);
      if (local) imports.push(local);
      else if (!typeOnly && spec) packages.push(spec);
      continue;
    }
    if (ts.isVariableStatement(st)) {
      const kind = st.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const);
      if (kind !== ts.NodeFlags.Const)
        problems.push(`${where(st)}: a mutable binding (let/var) at module level`);
    }
    // Function and class bodies run when called, in the workflow's own context: only what runs at
    // import time is shared.
    if (!ts.isFunctionDeclaration(st) && !ts.isClassDeclaration(st)) flagRegexes(st);
  }
  return { problems, imports, packages };
}

/** The project modules `roots` reach by their static (not type-only) imports, each with what it shows. */
function reachedFrom(roots: string[]): Map<string, ReturnType<typeof inspect>> {
  const seen = new Map<string, ReturnType<typeof inspect>>();
  const todo = roots.map((m) => m.replace(/\.(js|ts)$/, '.ts'));
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    const found = inspect(f);
    seen.set(f, found);
    todo.push(...found.imports);
  }
  return seen;
}

describe('preloaded workflow modules', () => {
  it('the bundle preloads every listed module', async () => {
    const { code } = await workflowBundle();
    const start = code.indexOf('exports.preloadModules = function preloadModules()');
    assert.ok(start >= 0, 'the bundle has a preloadModules entry');
    const body = code.slice(start, code.indexOf('}', start));
    assert.ok(PRELOADED_WORKFLOW_MODULES.length > 0);
    for (const m of PRELOADED_WORKFLOW_MODULES) {
      const shown = path.isAbsolute(m)
        ? path.relative(path.resolve(SRC, '..'), m).replace(/\.(js|ts)$/, '')
        : m;
      assert.ok(body.includes(shown), `${shown} is preloaded: ${body}`);
    }
  });

  it('every project module they reach keeps no per-workflow state', () => {
    const reached = reachedFrom(PRELOADED_WORKFLOW_MODULES.filter((m) => path.isAbsolute(m)));
    assert.ok(
      [...reached.keys()].some((f) => f.endsWith(path.join('domain', 'calendar-data.ts'))),
      'the walk follows imports (the calendar reaches its data table)',
    );
    const problems = [...reached.values()].flatMap((r) => r.problems);
    assert.deepEqual(problems, []);
  });

  it('a new workflow does not evaluate zod: only the lazily loaded message schemas import it', () => {
    const reached = reachedFrom([path.join(SRC, 'workflows', 'index.ts')]);
    assert.ok(reached.has(path.join(SRC, 'workflows', 'messages.ts')), 'the walk reaches the messages');
    const withZod = [...reached]
      .filter(([, r]) => r.packages.includes('zod'))
      .map(([f]) => path.relative(SRC, f));
    assert.deepEqual(withZod, []);
    assert.ok(
      !reached.has(path.join(SRC, 'workflows', 'message-schemas.ts')),
      'the schemas are not imported statically',
    );
  });

  it('the check finds module-level state where there is some', () => {
    // src/workers/worker.ts keeps its bundle in a module-level `let`: the check must say so.
    const { problems } = inspect(path.join(SRC, 'workers', 'worker.ts'));
    assert.ok(
      problems.some((p) => p.includes('mutable binding')),
      `found: ${problems.join('; ')}`,
    );
  });
});
