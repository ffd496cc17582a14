// Composition root of the headless CLI (`tempo-lens`): parses arguments, runs core + tempo + symbols.
process.stderr.write('tempo-lens: the CLI lands with the data-layer issue\n');
process.exitCode = 2;
