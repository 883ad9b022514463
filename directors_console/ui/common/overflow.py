"""A row of controls that scrolls sideways instead of forcing the window wide.

Tool rows (filters, batch actions) are as wide as all their buttons. Laid out directly,
that width becomes the window's minimum, so two windows side by side no longer fit on
one screen. :class:`OverflowRow` holds such a row: as wide as the room it is given, with
a thin horizontal scroll bar only when the row does not fit. It shows and hides with the
row it holds (a batch bar hides itself when fewer than two files are selected).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QSizePolicy, QWidget

MIN_WIDTH = 160


class OverflowRow(QScrollArea):
    def __init__(self, row: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.setObjectName(f"{row.objectName() or 'Row'}Overflow")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        # A parentless widget counts as hidden until shown; only an explicit hide()
        # (the batch bar's, until there is a selection) is the row's own choice.
        explicit = row.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide)
        hidden = explicit and row.isHidden()
        # setWidget shows the row and installs this scroll area as the row's event
        # filter (our eventFilter below); following the row starts only afterwards, or
        # the parentless scroll area would show itself as a window of its own.
        self._following = False
        self.setWidget(row)
        if hidden:
            row.hide()
            self.hide()
        self._following = True
        self._fit_height()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.row and self._following:
            kind = event.type()
            if kind == QEvent.Type.ShowToParent:
                self.show()
                self._fit_height()
            elif kind == QEvent.Type.HideToParent:
                self.hide()
            elif kind in (
                QEvent.Type.LayoutRequest,
                QEvent.Type.Polish,
                QEvent.Type.StyleChange,
                QEvent.Type.FontChange,
                QEvent.Type.Resize,
            ):
                self._fit_height()
        return super().eventFilter(watched, event)

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self._fit_height()  # styles and fonts are settled once shown

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit_height()

    def _fit_height(self) -> None:
        hint = self.row.sizeHint().expandedTo(self.row.minimumSizeHint())
        bar = self.horizontalScrollBar().sizeHint().height()
        overflows = hint.width() > max(1, self.width())
        height = hint.height() + (bar if overflows else 0)
        if self.height() != height or self.minimumHeight() != height:
            self.setFixedHeight(height)
        layout = self.row.layout()
        if layout is not None and layout.geometry().height() != self.row.height():
            # The row's layout can keep a stale height from before it was first shown,
            # which places its widgets off-centre and clips them: lay it out again.
            layout.setGeometry(self.row.rect())

    def sizeHint(self) -> QSize:
        return QSize(self.row.sizeHint().width(), self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, self.height())
