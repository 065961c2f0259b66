// The official Node client (azure-devops-node-api 17.x), unmodified, against `witsync serve`.
// Usage: node emulator_conformance.js ORG_URL TOKEN PROJECT   (prints one JSON line of findings)
const azdev = require("azure-devops-node-api");

async function main() {
  const [orgUrl, token, project] = process.argv.slice(2);
  const connection = new azdev.WebApi(orgUrl, azdev.getPersonalAccessTokenHandler(token));
  const wit = await connection.getWorkItemTrackingApi();
  const title = (value) => ({ op: "add", path: "/fields/System.Title", value });
  const parent = await wit.createWorkItem(null, [title("Node parent")], project, "Feature");
  const child = await wit.createWorkItem(null, [
    title("Node child"),
    { op: "add", path: "/relations/-", value: { rel: "System.LinkTypes.Hierarchy-Reverse", url: parent.url } },
  ], project, "User Story");
  const updated = await wit.updateWorkItem(null, [
    { op: "test", path: "/rev", value: 1 },
    { op: "replace", path: "/fields/System.Title", value: "Node child, renamed" },
  ], child.id);
  let conflict = null;
  try {
    await wit.updateWorkItem(null, [{ op: "test", path: "/rev", value: 1 }, title("stale")], child.id);
  } catch (error) {
    conflict = { status: error.statusCode, message: error.message };
  }
  const read = await wit.getWorkItem(parent.id, undefined, undefined, 1 /* WorkItemExpand.Relations */);
  const query = await wit.queryByWiql(
    { query: "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project ORDER BY [System.Id]" },
    { project });
  const batch = await wit.getWorkItemsBatch({ ids: [parent.id, child.id], fields: ["System.Title"] });
  await wit.deleteWorkItem(child.id);
  const gone = await wit.getWorkItem(child.id);
  console.log(JSON.stringify({
    created: [parent.rev, child.rev],
    updatedRev: updated.rev,
    conflict,
    parentRelations: (read.relations || []).map((r) => r.rel),
    queried: query.workItems.map((w) => w.id),
    batchTitles: batch.map((w) => w.fields["System.Title"]),
    deletedReadsAs: gone,
  }));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
