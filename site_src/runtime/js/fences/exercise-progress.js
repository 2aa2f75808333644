// The overview's `exercise-progress` fence (site_src/markdown/progress.py writes its table): how many
// of each page's exercises the reader solved, kept in this browser by the exercises' script.
import { PASS, plural, progress } from "./exercise.js";

/** The overview's table: how many of each page's exercises the reader solved, with a reset of all
 * (the button and its status line are in the page from the build: site_src/markdown/exercises.py). */
function mountOverview(root) {
  const cells = [...root.querySelectorAll("[data-exercise-ids]")];
  const all = cells.flatMap((cell) => JSON.parse(cell.dataset.exerciseIds));
  const update = () => {
    for (const cell of cells) {
      const ids = JSON.parse(cell.dataset.exerciseIds);
      const solved = progress.count(ids);
      cell.textContent = `${solved === ids.length ? PASS + " " : ""}${solved} of ${plural(ids.length, "exercise")} solved`;
    }
  };
  const status = root.querySelector(".exercise-progress__status");
  root.querySelector(".exercise-progress__reset").addEventListener("click", () => {
    progress.reset(all);
    update();
    status.textContent = "All exercise progress was reset.";
  });
  root.classList.add("exercise-progress--mounted");
  update();
}

/** Mount the page's progress tables (`roots`); nothing in them runs Python, so nothing to stop. */
export function mount(roots) {
  roots.forEach(mountOverview);
  return [];
}
