// The build's Python: Pyodide under Node, the same runtime a reader's browser runs.
// site_src/runtime/node_host.py starts this (once per build process and lane) and asks it the
// requests ../protocol.json declares under build_host, over the build's one JSON-lines protocol
// (site_src/node/json_lines.mjs). Python's own output never reaches stdout (it is captured per
// cell), so stdout carries only replies.
//
//   node host.mjs <pyodide.mjs> <mirror dir/> <engine wheel> <engine> <experiments module>
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import { serveLines } from "../../node/json_lines.mjs";
import { installRunnerAndChecker } from "../js/python-modules.mjs";
import protocol from "../protocol.json" with { type: "json" };

const [pyodideModule, indexURL, wheelPath, engineName, experimentsModule] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(pyodideModule).href);
const pythonSource = (name) => fs.readFileSync(new URL(`../py/${name}`, import.meta.url), "utf8");

// What Python writes goes to the current cell's output, kept as the page's worker keeps it:
// consecutive writes of one stream are joined, a change of stream starts a new item. Each item is
// a worker reply's fields with its kind (stdout, stderr, image: ../protocol.json replies).
const capture = { items: [] };
function streamTo(kind) {
  const decoder = new TextDecoder();
  return {
    isatty: true,
    write(buffer) {
      const text = decoder.decode(buffer, { stream: true });
      const last = capture.items[capture.items.length - 1];
      if (last && last.kind === kind) last.text += text;
      else if (text) capture.items.push({ kind, text });
      return buffer.length;
    },
  };
}

const py = await loadPyodide({ indexURL, env: { MPLBACKEND: "Agg" } });
py.setStdout(streamTo("stdout"));
py.setStderr(streamTo("stderr"));
await py.loadPackage(["numpy", wheelPath], { messageCallback: () => {} });
installRunnerAndChecker(py, { runner: pythonSource("runner.py"), checker: pythonSource("exercise_check.py") });
py.FS.writeFile("/home/pyodide/build_host.py", pythonSource("build_host.py"));
const host = py.pyimport("build_host");

function toJs(proxy) {
  const value = proxy.toJs({ dict_converter: Object.fromEntries });
  proxy.destroy();
  return value;
}

function experiment({ name }) {
  const started = performance.now();
  const result = host.experiment_json(experimentsModule, name);
  return { result, seconds: (performance.now() - started) / 1000 };
}

async function page({ page: pageId, cells }) {
  host.new_page();
  const outputs = [];
  for (const cell of cells) {
    capture.items = [];
    await py.loadPackagesFromImports(`${cell.setup}\n${cell.code}`, { messageCallback: () => {} });
    const emitImage = (png, title) => capture.items.push({ kind: "image", png, title });
    const outcome = toJs(await host.run_cell(pageId, cell.index, cell.title, cell.setup, cell.code, emitImage));
    outputs.push({ ok: outcome.ok, error: outcome.error, items: capture.items });
  }
  return { outputs };
}

// Under `mkdocs serve` the host outlives a build: an edited engine is swapped in, not restarted.
function engine({ wheel }) {
  py.FS.writeFile("/tmp/engine.whl", fs.readFileSync(wheel));
  host.install_engine(engineName, "/tmp/engine.whl");
  return null;
}

function warm({ experiment: name }) {
  host.warm_up(experimentsModule, name);
  return null;
}

/** The handlers, each refusing a request without the fields ../protocol.json declares for its kind. */
function declared(handlers) {
  const declaredKinds = Object.keys(protocol.build_host).sort().join(", ");
  if (Object.keys(handlers).sort().join(", ") !== declaredKinds) {
    throw new Error(`host.mjs handles ${Object.keys(handlers).sort().join(", ")}; site_src/runtime/protocol.json declares ${declaredKinds}`);
  }
  return Object.fromEntries(Object.entries(handlers).map(([kind, handle]) => [kind, (args) => {
    const missing = protocol.build_host[kind].filter((field) => !(field in (args ?? {})));
    if (missing.length) throw new Error(`request ${kind} lacks ${missing.join(", ")} (see site_src/runtime/protocol.json)`);
    return handle(args);
  }]));
}

serveLines(declared({ experiment, page, engine, warm }));
