//go:build !slim

package main

// serverCommands are the commands that link serve's backends: River,
// PostgreSQL, the metrics exporters and git. A build with the slim tag
// leaves them out.
func serverCommands() []command {
	return []command{serveCommand(), syncCommand(), agentCommand(), migrateCommand()}
}
