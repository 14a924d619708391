// Placeholder from the `http` branch so this test target has a source folder; delete when the target has tests.
