"""Models that do not come from the catalogue: custom training functions and MLflow Projects.

Both live in a project directory that the platform knows: a directory directly under the project root
(``CT_PROJECTS_ROOT``, default ``<cwd>/projects``). `ct_pipeline.models.projects` resolves it safely.
"""
