// The `torchnode` command (bin/torchnode.js): doctor, install-libtorch, run (the launcher), and the
// npm install hook.
import { doctor } from './doctor';
import { installHook } from './install_hook';
import { runInstallLibTorch } from './install_libtorch';
import { runLauncher } from './run';

const USAGE = `Usage: npx torchnode <command>
  doctor            what torchnode finds on this machine, what it loads, and how to fix what is wrong
  install-libtorch  download pytorch.org's LibTorch into torchnode's cache (--help for options)
  run               start a script on N processes for torch.distributed, like torchrun (--help for options)`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'doctor':
        return await doctor();
      case 'install-libtorch': {
        const dir = await runInstallLibTorch(rest);
        if (dir) console.log(`torchnode finds this LibTorch there by itself (check with: npx torchnode doctor).`);
        return 0;
      }
      case 'run':
        return await runLauncher(rest);
      case 'install':
        return await installHook();
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 1 : 0;
      default:
        console.error(`torchnode: unknown command '${command}'.\n${USAGE}`);
        return 1;
    }
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}
