// The lab's command line, run as `./dev lab [up|down|status|proof]` from the repository root.
import { down, openLab, up } from './lab.ts';
import type { Lab } from './launch.ts';
import { assertRoot, buildAgents, ensureDebianPackages } from './prerequisites.ts';
import { gatherProof, proofHolds } from './proof.ts';
import { formatProof } from './report.ts';
import { INTERACTIVE_LAB } from './spec.ts';
import { describeStatus } from './status.ts';

const USAGE = `usage: ./dev lab [up|down|status|proof]
  up      (default) install what is missing, build the agents, build the lab, print the proof, leave the lab up
  down    remove every namespace, process and file of the lab
  status  show what runs
  proof   run the proof again against the running lab`;

const progress = (step: string): void => void process.stderr.write(`lab: ${step}\n`);

function runningLab(): Lab {
  const lab = openLab(INTERACTIVE_LAB);
  if (!lab) throw new Error(`no lab is up (nothing in ${INTERACTIVE_LAB.runDir}); start one with ./dev lab up`);
  return lab;
}

async function prove(lab: Lab): Promise<boolean> {
  progress('proof: requests, tunnel capture, Prometheus counters');
  const proof = await gatherProof(lab);
  const holds = proofHolds(proof);
  process.stdout.write(formatProof(proof, holds));
  return holds;
}

async function main(command: string): Promise<boolean> {
  switch (command) {
    case 'up': {
      assertRoot(command);
      progress('Debian packages');
      ensureDebianPackages();
      progress('building the agents');
      await buildAgents();
      const lab = await up(INTERACTIVE_LAB, progress);
      const holds = await prove(lab);
      process.stdout.write(`\nThe lab stays up: ./dev lab status shows it, ./dev lab down removes it.\n`);
      return holds;
    }
    case 'proof':
      assertRoot(command);
      return prove(runningLab());
    case 'status':
      assertRoot(command);
      process.stdout.write(await describeStatus(runningLab()));
      return true;
    case 'down': {
      assertRoot(command);
      const removed = await down(INTERACTIVE_LAB);
      const nothing = removed.namespaces.length === 0 && removed.processes.length === 0 && !removed.runDir;
      process.stdout.write(
        nothing
          ? 'no lab was up; nothing to remove\n'
          : `removed ${removed.processes.length} processes, namespaces ${removed.namespaces.join(' ') || '(none)'}, and ${INTERACTIVE_LAB.runDir}\n`,
      );
      return true;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === 'help' || command === '--help';
  }
}

try {
  process.exitCode = (await main(process.argv[2] ?? 'up')) ? 0 : 1;
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`lab: ${message}\n`);
  process.exitCode = 1;
}
