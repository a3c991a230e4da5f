// The explicit, ordered list of migrations (no directory scanning). Names sort in the order they run.

import type { MigrationContext } from './helpers';
import * as core from './20261125_0001_core';
import * as evidenceDesk from './20261125_0002_evidence_desk';
import * as accountsSecurity from './20261125_0003_accounts_security';
import * as reports from './20261125_0004_reports';
import * as auditCoverage from './20261201_0005_audit_coverage';
import * as reportPdfs from './20261201_0006_report_pdfs';
import * as evidenceRefScope from './20261201_0007_evidence_ref_scope';
import * as idempotencyAndSavedForms from './20261201_0008_idempotency_and_saved_forms';
import * as importBatches from './20261201_0009_import_batches';
import * as healthProbe from './20261201_0010_health_probe';
import * as frameworkLists from './20261201_0011_framework_lists';
import * as scoringChanges from './20261201_0012_scoring_changes';
import * as evidenceSearch from './20261201_0013_evidence_search';
import * as briefingTexts from './20261201_0014_briefing_texts';
import * as searchFold from './20261201_0015_search_fold';
import * as userLocale from './20261201_0016_user_locale';
import * as frameworkTranslations from './20261201_0017_framework_translations';

export interface MigrationModule {
  up(ctx: MigrationContext): Promise<void>;
}

export const migrations: Record<string, MigrationModule> = {
  '20261125_0001_core': core,
  '20261125_0002_evidence_desk': evidenceDesk,
  '20261125_0003_accounts_security': accountsSecurity,
  '20261125_0004_reports': reports,
  '20261201_0005_audit_coverage': auditCoverage,
  '20261201_0006_report_pdfs': reportPdfs,
  '20261201_0007_evidence_ref_scope': evidenceRefScope,
  '20261201_0008_idempotency_and_saved_forms': idempotencyAndSavedForms,
  '20261201_0009_import_batches': importBatches,
  '20261201_0010_health_probe': healthProbe,
  '20261201_0011_framework_lists': frameworkLists,
  '20261201_0012_scoring_changes': scoringChanges,
  '20261201_0013_evidence_search': evidenceSearch,
  '20261201_0014_briefing_texts': briefingTexts,
  '20261201_0015_search_fold': searchFold,
  '20261201_0016_user_locale': userLocale,
  '20261201_0017_framework_translations': frameworkTranslations,
};
