// The playground's settings in the page's address (?learning_rate=3&batch_size=1), so a link
// restores them. The controls, their choices and defaults come from the engine's playground module
// (`page_spec`, baked in at build time): this file only reads and writes them.

/* global PLAYGROUND_SPEC */

/** [{name, label, kind: "select" | "slider", choices: [[value, text], ...], default}] */
export const CONTROLS = PLAYGROUND_SPEC.controls;

export function defaults() {
  return Object.fromEntries(CONTROLS.map((control) => [control.name, control.default]));
}

/** The choice of `control` whose value a URL parameter spells, or undefined. */
function choiceFor(control, raw) {
  const wanted = typeof control.default === "string" ? raw : Number(raw);
  if (typeof wanted === "number" && (raw.trim() === "" || !Number.isFinite(wanted))) return undefined;
  return control.choices.find(([value]) => value === wanted);
}

function describeChoices(control) {
  const values = control.choices.map(([value]) => String(value));
  return control.kind === "slider" ? `a value from ${values[0]} to ${values.at(-1)} on its slider: ${values.join(", ")}` : `one of ${values.join(", ")}`;
}

/**
 * Settings named in `search` (a location.search string), checked against the choices.
 * Returns {settings: {name: value}, problems: [text]}: an invalid value is left out (the control
 * keeps its default) and explained, naming the parameter and what it accepts.
 */
export function settingsFromSearch(search) {
  const params = new URLSearchParams(search);
  const settings = {};
  const problems = [];
  for (const control of CONTROLS) {
    if (!params.has(control.name)) continue;
    const raw = params.get(control.name);
    const choice = choiceFor(control, raw);
    if (choice) {
      settings[control.name] = choice[0];
    } else {
      problems.push(`The link's ${control.name}=${raw} is not valid: ${control.label.toLowerCase()} takes ${describeChoices(control)}. Using the default, ${control.default}.`);
    }
  }
  return { settings, problems };
}

/** `href` with the settings that differ from the defaults as query parameters (others kept). */
export function urlWithSettings(href, settings) {
  const url = new URL(href);
  for (const control of CONTROLS) {
    const value = settings[control.name];
    if (value === control.default) url.searchParams.delete(control.name);
    else url.searchParams.set(control.name, String(value));
  }
  return url.href;
}

/**
 * Short text for a run's settings, e.g. "η 0.3, batch 16, 1 × 8 tanh neurons, …"; with
 * `onlyChanged`, only those that differ from the defaults ("η 30, 20 epochs"; "the defaults"),
 * which is what sets one run of the table apart from another.
 */
export function describeSettings(settings, { onlyChanged = false } = {}) {
  const control = (name) => CONTROLS.find((entry) => entry.name === name);
  const text = (name) => {
    const choice = control(name).choices.find(([value]) => value === settings[name]);
    return choice ? choice[1] : String(settings[name]);
  };
  const phrases = [
    [["learning_rate"], `η ${text("learning_rate")}`],
    [["batch_size"], `batch ${text("batch_size")}`],
    [["hidden_layers", "hidden_neurons", "activation"], `${text("hidden_layers")} × ${text("hidden_neurons")} ${text("activation")} neurons`],
    [["epochs"], `${text("epochs")} epochs`],
    [["patience"], `patience ${text("patience")}`],
    [["momentum"], `momentum ${text("momentum")}`],
    [["n_train"], `${text("n_train")} students`],
    [["label_noise"], `noise ${text("label_noise")}`],
    [["seed"], `seed ${text("seed")}`],
  ];
  const changed = ([names]) => names.some((name) => settings[name] !== control(name).default);
  return (onlyChanged ? phrases.filter(changed) : phrases).map(([, phrase]) => phrase).join(", ") || "the defaults";
}
