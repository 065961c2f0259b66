"""Azure DevOps over HTTP: the REST client, its transport, the wire format, the WIQL it sends"""
