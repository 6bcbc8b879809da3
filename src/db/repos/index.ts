import type { Orm } from '../database.js';
import { componentsRepo, type ComponentsRepo } from './components-repo.js';
import { incidentsRepo, type IncidentsRepo } from './incidents-repo.js';
import { settingsRepo, type SettingsRepo } from './settings-repo.js';

export interface Repos {
  settings: SettingsRepo;
  components: ComponentsRepo;
  incidents: IncidentsRepo;
}

export function createRepos(orm: Orm): Repos {
  return { settings: settingsRepo(orm), components: componentsRepo(orm), incidents: incidentsRepo(orm) };
}
