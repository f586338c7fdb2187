// The courts (GET /api/v1/courts), asked once per page load.
import { api } from "../../api.js";
import { useApi } from "../../ui.jsx";

let cached = null;

export function useCourts() {
  return useApi(() => {
    cached = cached || api.get("/api/v1/courts").then((answer) => answer.items, (error) => {
      cached = null;
      throw error;
    });
    return cached;
  }, []);
}
