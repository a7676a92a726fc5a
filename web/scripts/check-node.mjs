// Vite 7 needs Node.js 20.19 or newer; say so plainly instead of failing deep inside a build.
// Plain syntax only, so that this runs (and explains) on an old Node too.
var MIN = [20, 19];
var found = process.versions.node;
var parts = found.split('.').map(Number);
var ok = parts[0] > MIN[0] || (parts[0] === MIN[0] && parts[1] >= MIN[1]);
if (!ok) {
  console.error(
    "Veza's web client needs Node.js >= " + MIN.join('.') + ' (found ' + found + '). ' +
      'Install a newer Node (e.g. from nodejs.org or nvm).'
  );
  process.exit(1);
}
