// The handlers' Powertools logs would drown the test report; POWERTOOLS_LOG_LEVEL=INFO npm test shows them.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
