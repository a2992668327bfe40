/** The reproduced paper figures: each is a scenario in scenarios/ whose run draws it. */
export interface PaperFigure {
  name: string;
  paper: string;
}

export const paperFigures: readonly PaperFigure[] = [
  { name: "vnet-lan-latency", paper: "VNET, USENIX VM 2004" },
  { name: "vsched-miss-grid", paper: "VSched, SC 2005" },
  { name: "vsched-miss-times", paper: "VSched, SC 2005" },
  { name: "vsched-mix", paper: "VSched, SC 2005" },
  { name: "vsched-bsp-imbalance", paper: "VSched, SC 2005" },
  { name: "control-targets", paper: "ICAC 2007 / Cluster Computing 2008" },
  { name: "vttif-patterns", paper: "VTTIF, JSSPP 2004 / HPDC 2005" },
  { name: "vttif-reactivity", paper: "VTTIF, HPDC 2005" },
  { name: "wren-accuracy", paper: "Wren, IPDPS 2006" },
  { name: "vadapt-wan", paper: "VADAPT, LCR 2004 / HPDC 2005" },
  { name: "vadapt-algorithms", paper: "VADAPT, ICAC 2006" },
  { name: "vreserve", paper: "VRESERVE, HPDC 2005" },
  { name: "prediction", paper: "RPS (Dinda, O'Hallaron 1999-2002) / NWS (Wolski 1999)" },
  { name: "user", paper: "User-driven scheduling, Grid 2004 / VTDC 2006" },
  { name: "uucs", paper: "UUCS, HPDC 2004" },
];
