package store

func auditPlanQueries() []planQuery {
	return []planQuery{
		{"put audit outcome", qPutAudit, []any{"s", true, "u", nil, int64(1)}},
		{"latest audit", qLatestAudit, []any{"s"}},
		{"audit counts", qAuditCounts, nil},
		{"service exists", qServiceExists, []any{"s"}},
	}
}
