package schema

import _ "embed"

// ID is the schema's $id.
const ID = "https://github.com/smokex/smokex/plan/schema/plan.schema.json"

//go:embed plan.schema.json
var planSchema string

// JSON returns the schema of the plan format as JSON. Each call returns a
// new copy.
func JSON() []byte { return []byte(planSchema) }
