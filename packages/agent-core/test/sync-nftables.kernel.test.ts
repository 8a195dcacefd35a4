import { syncScenarios } from './sync-scenarios.ts';

syncScenarios('nftables');
