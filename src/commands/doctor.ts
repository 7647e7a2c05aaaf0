import type { Command } from 'commander';
import type { Terminal } from '../ui/terminal.js';

export function registerDoctor(program: Command, term: Terminal, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .description('check the Duo, Arcade and ngrok setup (not implemented yet)')
    .allowUnknownOption(true)
    .action(() => {
      term.stderr.write(
        'duo-arcade doctor is not implemented yet. Until it is, `duo-arcade serve --live` names missing or malformed settings.\n',
      );
      setExit(2);
    });
}
