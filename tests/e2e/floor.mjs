// An empty module: the browser pages import it first to measure the engine's floor for one
// module import over HTTP (the package's own import time is read beside it).
export const floor = true;
