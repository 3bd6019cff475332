"""Errors that a user can fix: each message says what went wrong, where, and the fix."""


class ProjectError(Exception):
    """Base class of the errors a stage reports without a traceback."""


class SettingsError(ProjectError):
    """params.yaml is missing, unreadable or does not match the settings model."""


class DataError(ProjectError):
    """A data file is missing or unreadable."""


class ModelLoadError(ProjectError):
    """A model file is missing, holds untrusted types or is not a scikit-learn Pipeline."""


class ModelIntegrityError(ModelLoadError):
    """A registered model's file does not match the hash recorded when it was registered."""


class RegistryError(ProjectError):
    """The model registry (git tags written by GTO) cannot do what was asked."""


class ContractError(SettingsError):
    """contract.yaml is missing, unreadable or does not describe a usable data contract."""
