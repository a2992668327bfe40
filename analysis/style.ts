/** One visual style for every figure: sized for a paper column, colour-blind-safe palette. */
export const style = {
  width: 480,
  height: 300,
  margin: { top: 28, right: 24, bottom: 42, left: 58 },
  palette: ["#4e79a7", "#f28e2c", "#e15759", "#76b7b2", "#59a14f", "#edc949", "#af7aa1", "#ff9da7", "#9c755f", "#bab0ab"],
  axis: "#333",
  grid: "#e5e5e5",
  ticks: 6,
  legendWidth: 150,
} as const;

export function colour(i: number): string {
  return style.palette[i % style.palette.length];
}
