"""The Summary sheet's stacked bar chart of RAG by lead agency, as DrawingML chart and drawing parts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pipeline.tracker.sheet_read import column_letters

C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
EMU_PER_CM = 360_000


@dataclass(frozen=True)
class BarChart:
    """A stacked horizontal bar chart over a block of the Summary sheet."""

    sheet: str
    title: str
    first_row: int
    last_row: int
    first_value_column: int
    colours: Sequence[str]
    anchor_row: int
    width_cm: float
    height_cm: float
    unit_one: bool

    def _ref(self, column: int, first: int, last: int) -> str:
        sheet = "'" + self.sheet.replace("'", "''") + "'"
        letters = column_letters(column)
        return f"{sheet}!${letters}${first}:${letters}${last}"

    def chart_xml(self) -> bytes:
        """The chart part (xl/charts/chartN.xml)."""
        series = []
        for offset, colour in enumerate(self.colours):
            column = self.first_value_column + offset
            fill = f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'
            series.append(
                f'<c:ser><c:idx val="{offset}"/><c:order val="{offset}"/>'
                f"<c:tx><c:strRef><c:f>{escape(self._ref(column, self.first_row - 1, self.first_row - 1))}"
                f"</c:f></c:strRef></c:tx>"
                f'<c:spPr>{fill}<a:ln>{fill}<a:prstDash val="solid"/></a:ln></c:spPr>'
                f'<c:invertIfNegative val="0"/>'
                f"<c:cat><c:strRef><c:f>{escape(self._ref(1, self.first_row, self.last_row))}</c:f></c:strRef></c:cat>"
                f"<c:val><c:numRef><c:f>{escape(self._ref(column, self.first_row, self.last_row))}</c:f></c:numRef></c:val>"
                "</c:ser>"
            )
        unit = '<c:majorUnit val="1"/>' if self.unit_one else ""
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}">'
            '<c:roundedCorners val="0"/><c:chart>'
            f"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:pPr><a:defRPr/></a:pPr><a:r><a:t>{escape(self.title)}"
            '</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'
            '<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart><c:barDir val="bar"/>'
            '<c:grouping val="stacked"/><c:varyColors val="0"/>'
            + "".join(series)
            + '<c:gapWidth val="60"/><c:overlap val="100"/><c:axId val="10"/><c:axId val="100"/></c:barChart>'
            '<c:catAx><c:axId val="10"/><c:scaling><c:orientation val="maxMin"/></c:scaling>'
            '<c:delete val="0"/><c:axPos val="l"/><c:numFmt formatCode="General" sourceLinked="0"/>'
            '<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
            '<c:crossAx val="100"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
            '<c:lblOffset val="100"/><c:tickLblSkip val="1"/><c:noMultiLvlLbl val="0"/></c:catAx>'
            '<c:valAx><c:axId val="100"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            '<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="0" sourceLinked="0"/>'
            '<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
            f'<c:crossAx val="10"/><c:crosses val="autoZero"/><c:crossBetween val="between"/>{unit}'
            "</c:valAx></c:plotArea>"
            '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/>'
            '<c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
        ).encode("utf-8")

    def drawing_xml(self, chart_rid: str) -> bytes:
        """The drawing part that places the chart below the tables."""
        cx = int(self.width_cm * EMU_PER_CM)
        cy = int(self.height_cm * EMU_PER_CM)
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}">'
            f"<xdr:oneCellAnchor><xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{self.anchor_row - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f'<xdr:ext cx="{cx}" cy="{cy}"/><xdr:graphicFrame macro="">'
            '<xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="RAG chart"/><xdr:cNvGraphicFramePr/>'
            '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{C_NS}"><c:chart xmlns:c="{C_NS}" '
            f'xmlns:r="{R_NS}" r:id="{chart_rid}"/></a:graphicData></a:graphic></xdr:graphicFrame>'
            "<xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>"
        ).encode()
