"""The set of recognizers a scan runs: the built-ins, plus or minus your own."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from mamori.discovery.errors import RecognizerError, RecognizerNotFound
from mamori.discovery.recognizer import Recognizer

__all__ = ["Registry", "default_registry"]

_T = TypeVar("_T")


class _ClassOrInstance(Generic[_T]):
    """``Registry.load_yaml(p)`` builds a new registry; ``registry.load_yaml(p)`` extends one."""

    def __init__(self, func: Callable[[Registry | None, str | Path], Registry]) -> None:
        self._func = func
        self.__doc__ = func.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Registry]) -> Callable[[str | Path], Registry]: ...
    @overload
    def __get__(self, obj: Registry, owner: type[Registry]) -> Callable[[str | Path], Registry]: ...
    def __get__(
        self, obj: Registry | None, owner: type[Registry]
    ) -> Callable[[str | Path], Registry]:
        def bound(path: str | Path) -> Registry:
            return self._func(obj, path)

        bound.__doc__ = self._func.__doc__
        return bound


class Registry:
    """An ordered set of recognizers, by name."""

    def __init__(self, recognizers: Collection[Recognizer] = ()) -> None:
        self._by_name: dict[str, Recognizer] = {}
        for r in recognizers:
            self.add(r)

    @classmethod
    def default(cls) -> Registry:
        """A new registry holding every built-in recognizer (change it freely)."""
        from mamori.discovery.recognizers import builtin

        return cls(builtin())

    def add(self, recognizer: Recognizer, *, replace: bool = False) -> None:
        """Register ``recognizer``; a name already taken is an error unless ``replace``."""
        name = getattr(recognizer, "name", "")
        if not name or not getattr(recognizer, "entity", ""):
            raise RecognizerError("a recognizer needs a name and an entity")
        if name in self._by_name and not replace:
            raise RecognizerError(f"a recognizer named {name!r} is already registered")
        self._by_name[name] = recognizer

    def remove(self, name: str) -> Recognizer:
        """Unregister the recognizer called ``name`` and return it."""
        try:
            return self._by_name.pop(name)
        except KeyError:
            raise RecognizerNotFound(f"no recognizer named {name!r}") from None

    def get(self, name: str) -> Recognizer:
        try:
            return self._by_name[name]
        except KeyError:
            raise RecognizerNotFound(f"no recognizer named {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Recognizer]:
        return iter(list(self._by_name.values()))

    def __len__(self) -> int:
        return len(self._by_name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    @property
    def entities(self) -> tuple[str, ...]:
        """The entities the registered recognizers report, in registration order."""
        return tuple(dict.fromkeys(r.entity for r in self._by_name.values()))

    def select(self, entities: Collection[str] | None) -> list[Recognizer]:
        """The recognizers reporting one of ``entities`` (all when None)."""
        if entities is None:
            return list(self._by_name.values())
        wanted = set(entities)
        return [r for r in self._by_name.values() if r.entity in wanted]

    def _load_yaml(self: Registry | None, path: str | Path) -> Registry:
        """Add the pattern recognizers declared in the YAML file at ``path``.

        Called on the class (``Registry.load_yaml(path)``) it returns the built-ins plus the
        file's recognizers; called on a registry it adds them to that registry and returns
        it. A file's recognizer may replace a built-in of the same name. Errors name the file,
        the line and the field (:class:`~mamori.discovery.errors.RecognizerFileError`); on
        an error nothing is added.
        """
        from mamori.discovery.yaml_recognizers import load_recognizers

        target = Registry.default() if self is None else self
        loaded = load_recognizers(Path(path))
        for r in loaded:
            target.add(r, replace=True)
        return target

    load_yaml: _ClassOrInstance[Any] = _ClassOrInstance(_load_yaml)


@cache
def default_registry() -> Registry:
    """The shared registry of built-ins used when a scan is given none (do not change it)."""
    return Registry.default()
