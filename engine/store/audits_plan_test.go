package store

func auditPlanQueries() []planQuery {
	return []planQuery{
		{"put audit outcome", qPutAudit, []any{"s", true, "u", nil, int64(1), "in-sync"}},
		{"latest audit", qLatestAudit, []any{"s"}},
		{"audit counts", qAuditCounts, nil},
		{"service exists", qServiceExists, []any{"s"}},
		{"insert audit job", qInsertAuditJob, []any{"j", "{}", "", "pending", "", "", 0, 0, 0, 0, 0, 0, int64(1), int64(0), int64(0)}},
		{"update audit job", qUpdateAuditJob, []any{"done", "", 0, 0, 0, 0, 0, 0, int64(1), int64(2), "j"}},
		{"get audit job", qGetAuditJob, []any{"j"}},
		{"list audit jobs", qListAuditJobs, []any{int64(1), "j", 10}},
		{"audit job exists", qAuditJobExists, []any{"j"}},
		{"put latest outcomes", qPutLatestOutcomes, []any{"j", "u", int64(1), "a", "b"}},
		{"audit results", qAuditResults, []any{"j", "", 10}},
		{"audit results by status", qAuditResultsByStatus, []any{"j", "drifted", "", 10}},
		{"prunable audit jobs", qPrunableAuditJobs, []any{5}},
		{"delete audit job", qDeleteAuditJob, []any{"j"}},
		{"owned targets", qOwnedTargets, nil},
		{"owned sets on target", qOwnedSetsOn, []any{"pe1"}},
		{"owned sets of services", qOwnedSetsOfN(2), []any{"a", "b"}},
		{"put audit schedule", qPutAuditSchedule, []any{"s", "{}", int64(1), int64(1), "", int64(1), ""}},
		{"list audit schedules", qListAuditSchedules, nil},
		{"delete audit schedule", qDeleteAuditSched, []any{"s"}},
		{"put target sync", qPutTargetSync, []any{"pe1", "in-sync", 1, 0, "", "", "j", int64(1)}},
		{"all target sync", qAllTargetSync, nil},
		{"target sync of", qTargetSyncOf(2), []any{"pe1", "pe2"}},
	}
}
